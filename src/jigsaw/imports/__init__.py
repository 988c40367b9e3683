"""Bulk referral import: NCMEC CyberTipline XML, VICS 2.0 case exports and mapped CSV.

Pure parsers (:mod:`.cybertip`, :mod:`.vics`, :mod:`.csvmap`) turn documents into intake
:class:`~jigsaw.intake.domain.ReportDraft` objects without touching a database; the storage
adapter (:mod:`.bulk`, :mod:`.service`) writes them with the same rows, encryption and audit
entries as :func:`jigsaw.intake.service.submit_report`, only in batches. See README.md.
"""
