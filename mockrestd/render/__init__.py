"""Schema-driven rendering (engine records → a version's schemas) and request parsing (the reverse)."""

from .parser import ParseResult, parse_body
from .renderer import Renderer, Rows, is_noval

__all__ = ["ParseResult", "Renderer", "Rows", "is_noval", "parse_body"]
