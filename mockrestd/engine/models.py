"""Where the record classes used to live; each now lives with its rules (nodes.py, partitions.py,
reservations.py, licenses.py, gres.py). Kept so older imports keep working."""

from .gres import gres_text, parse_gres, parse_tres_request
from .licenses import License, licenses_of
from .nodes import Node
from .partitions import Partition
from .reservations import Reservation

__all__ = ["License", "Node", "Partition", "Reservation", "gres_text", "licenses_of", "parse_gres",
           "parse_tres_request"]
