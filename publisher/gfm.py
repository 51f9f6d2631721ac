"""GitHub-flavoured Markdown to HTML with cmark-gfm, freeing what it allocates.

cmarkgfm's `github_flavored_markdown_to_html` (2025.10.22) never frees the document tree
nor the HTML string it renders: a leak on every call, gigabytes over a large build (and
the page faults of ever new memory). `to_html` makes the same C calls, with the same options and
extensions in the same order, so the bytes are the same (tests/test_gfm.py), then frees
both with cmark's own allocator. The extensions are looked up once, not per call.
"""

from __future__ import annotations

import ctypes
from typing import Any

from cmarkgfm import _cmark
from cmarkgfm.cmark import Options

# What github_flavored_markdown_to_html attaches, in its order, and the option it forces.
EXTENSIONS = ("table", "autolink", "tagfilter", "strikethrough", "tasklist")
FORCED = Options.CMARK_OPT_GITHUB_PRE_LANG

_lib: Any = _cmark.lib
_ffi: Any = _cmark.ffi


class _Allocator(ctypes.Structure):
    """cmark_mem: the allocator a parser's tree and its rendering come from."""

    _fields_ = (
        ("calloc", ctypes.c_void_p),
        ("realloc", ctypes.c_void_p),
        ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p)),
    )


# The same shared object cmarkgfm loaded (dlopen hands back the loaded one): its exported
# cmark_node_free and default allocator, which the cffi module does not declare.
_library = ctypes.CDLL(_cmark.__file__)
_library.cmark_node_free.argtypes = (ctypes.c_void_p,)
_library.cmark_node_free.restype = None
_library.cmark_get_default_mem_allocator.restype = ctypes.POINTER(_Allocator)
_free = _library.cmark_get_default_mem_allocator().contents.free  # what cmark_parser_new uses

_lib.cmark_gfm_core_extensions_ensure_registered()
_extensions = tuple(_lib.cmark_find_syntax_extension(name.encode()) for name in EXTENSIONS)
if any(extension == _ffi.NULL for extension in _extensions):
    raise ImportError("cmark-gfm lacks a GitHub extension")  # never with cmarkgfm's build


def _address(pointer: Any) -> int:
    return int(_ffi.cast("uintptr_t", pointer))


def to_html(markdown: str, options: int) -> str:
    """cmarkgfm.github_flavored_markdown_to_html(markdown, options), without the leak."""
    options |= FORCED
    parser = _lib.cmark_parser_new(options)
    try:
        for extension in _extensions:
            _lib.cmark_parser_attach_syntax_extension(parser, extension)
        data = markdown.encode("utf-8")
        _lib.cmark_parser_feed(parser, data, len(data))
        root = _lib.cmark_parser_finish(parser)  # the caller's to free
        if _lib.cmark_node_get_type(root) == _lib.CMARK_NODE_NONE:
            raise ValueError("Error parsing markdown!")  # as cmarkgfm (never seen)
        try:
            extensions = _lib.cmark_parser_get_syntax_extensions(parser)
            html = _lib.cmark_render_html(root, options, extensions)
            try:
                return str(_ffi.string(html).decode("utf-8"))
            finally:
                _free(_address(html))
        finally:
            _library.cmark_node_free(_address(root))
    finally:
        _lib.cmark_parser_free(parser)
