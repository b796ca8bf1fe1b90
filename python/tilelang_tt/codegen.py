"""Device codegen entries of the TT backend (implemented in src/codegen/)."""

from __future__ import annotations

from tilelang.backend.device_codegen import global_func_device_codegen

from . import _lib

_lib.load()

build_tilelang_tt = global_func_device_codegen("target.build.tilelang_tt")
build_tilelang_tt_without_compile = global_func_device_codegen("target.build.tilelang_tt_without_compile")
