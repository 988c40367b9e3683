"""File formats that more than one capability reads: a shared kernel, pure (bytes in, values out).

:mod:`safexml` is the one XML parser for documents from outside (CyberTipline reports, NCMEC
hash lists); :mod:`vics` the one reader of Project VIC / VICS JSON (case exports and hash sets);
:mod:`values` the spellings of booleans and names that those formats share.
"""
