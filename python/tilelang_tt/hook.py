"""The one place tilelang-tt reaches into TileLang's internals: execution-backend dispatch.

TileLang 0.1.15 has a public registry for backends (``tilelang.backend``: targets, pass
pipelines, codegens, execution-backend *names*) but none for what compiles and runs a kernel of
an execution backend: ``tilelang.compile`` / ``@tilelang.jit`` call ``tilelang.cache.cached``,
whose ``_resolve_cache_dispatch`` looks the resolved execution backend up in the module-level
dict ``tilelang.cache._dispatch_map`` and raises ``Cannot find support for execution backend``
for any name not in it. ``install`` adds our execution backends to that dict, pointing at
``jit.KERNEL_CACHE``; nothing else of TileLang is patched.

If a TileLang upgrade moves the table, ``install`` leaves TileLang untouched and returns what
changed; ``import tilelang_tt`` warns with it, and ``tests/python/tt/test_jit.py::
test_tilelang_dispatch_hook_still_holds`` fails naming it.
"""

from __future__ import annotations

#: Where the table is, as the messages name it.
TABLE = "tilelang.cache._dispatch_map"
RESOLVER = "tilelang.cache._resolve_cache_dispatch"

#: What went wrong when the hook could not be installed ("" when it is installed).
problem = ""


def install(names, kernel_cache) -> str:
    """Register ``kernel_cache`` for each execution backend in ``names``; returns "" or what of
    TileLang's dispatch is no longer where this hook expects it."""
    global problem
    try:
        import tilelang.cache as tilelang_cache
    except ImportError as err:
        problem = f"tilelang.cache cannot be imported ({err}); {TABLE} is where the hook registers"
        return problem
    table = getattr(tilelang_cache, "_dispatch_map", None)
    if not isinstance(table, dict):
        problem = (
            f"{TABLE} is {'missing' if table is None else type(table).__name__}, not a dict of kernel caches "
            "keyed by execution backend: TileLang moved its execution-backend dispatch (python/tilelang_tt/hook.py)"
        )
        return problem
    if not callable(getattr(tilelang_cache, "_resolve_cache_dispatch", None)):
        problem = f"{RESOLVER} is missing: TileLang moved its execution-backend dispatch (python/tilelang_tt/hook.py)"
        return problem
    for name in names:
        table[name] = kernel_cache
    problem = ""
    return problem


def dispatched_cache(target="tenstorrent", execution_backend="auto"):
    """The kernel cache TileLang's dispatch resolves for ``target`` (what ``tilelang.compile`` would
    call), and the resolved execution backend's name."""
    import tilelang.cache as tilelang_cache

    cache, context, _ = tilelang_cache._resolve_cache_dispatch(target, None, execution_backend, False)
    return cache, context.execution_backend.name
