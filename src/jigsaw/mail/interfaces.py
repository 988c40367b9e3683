"""What other capabilities may use of mail: queue a mail in their own transaction, and deliver the outbox."""

from jigsaw.mail.outbox import EXTRA_HEADERS, Mail, enqueue, enqueue_many, status_counts
from jigsaw.mail.sender import DeliveryResult, deliver_pending
from jigsaw.mail.smtpurl import SmtpConfig, SmtpUrlError, parse_smtp_url

__all__ = ["EXTRA_HEADERS", "DeliveryResult", "Mail", "SmtpConfig", "SmtpUrlError", "deliver_pending", "enqueue",
           "enqueue_many", "parse_smtp_url", "status_counts"]
