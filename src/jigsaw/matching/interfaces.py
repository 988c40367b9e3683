"""What other capabilities may use of matching: the platform's matcher, bank series for media,
the recorded matches of stored media, and the index of stored media PDQs."""

from jigsaw.matching.media_index import StoredMediaPdq
from jigsaw.matching.media_matches import MediaHit, bank_series, match_media, recorded_matches
from jigsaw.matching.service import MatchingService, service_for
from jigsaw.matching.storage import MediaMatchRecord

__all__ = ["MatchingService", "MediaHit", "MediaMatchRecord", "StoredMediaPdq", "bank_series", "match_media",
           "recorded_matches", "service_for"]
