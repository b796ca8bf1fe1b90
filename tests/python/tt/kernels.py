"""Small TileLang kernels the tests lower (kept in a file: TileLang parses source)."""

from __future__ import annotations

import tilelang.language as T


def copy_kernel(n: int = 64, func_attrs: dict | None = None):
    """B = A, one 32x32 tile per kernel instance; optional T.func_attr annotations."""

    if func_attrs is None:

        @T.prim_func
        def toy_copy(A: T.Tensor((n, n), "bfloat16"), B: T.Tensor((n, n), "bfloat16")):
            with T.Kernel(n // 32, n // 32, threads=128) as (bx, by):
                S = T.alloc_shared((32, 32), "bfloat16")
                T.copy(A[by * 32, bx * 32], S)
                T.copy(S, B[by * 32, bx * 32])

        return toy_copy

    @T.prim_func
    def toy_copy_annotated(A: T.Tensor((n, n), "bfloat16"), B: T.Tensor((n, n), "bfloat16")):
        T.func_attr(func_attrs)
        with T.Kernel(n // 32, n // 32, threads=128) as (bx, by):
            S = T.alloc_shared((32, 32), "bfloat16")
            T.copy(A[by * 32, bx * 32], S)
            T.copy(S, B[by * 32, bx * 32])

    return toy_copy_annotated
