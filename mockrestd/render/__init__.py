"""Schema-driven rendering (engine records → a version's schemas) and request parsing (the reverse)."""

from .parser import ParseResult, parse_body
from .renderer import Renderer, is_noval

__all__ = ["ParseResult", "Renderer", "is_noval", "parse_body"]
