# mypy: ignore-errors
# (numba kernels: their types are numba's, checked when compiled; mypy cannot model them)
"""Numba kernels behind :class:`jigsaw.matching.PdqIndex`.

Everything here works on 256-bit hashes viewed as four little-endian ``uint64`` words, so a
Hamming distance is four XORs and four hardware popcounts. The kernels are ``nogil`` so that
threads can also run them in parallel, and ``cache=True`` so a process pays the compile cost once.

Multi-index hashing (Norouzi et al.): the 256 bits are cut into ``m`` chunks; a hash within
distance ``T`` of the query has, by the pigeonhole principle, at least one chunk ``j`` within
``r_j`` of the query's chunk whenever ``sum(r_j + 1) >= T + 1``. So probing every key within
``r_j`` of the query chunk in table ``j`` finds every true neighbour: the search is exact. A
neighbour found through several tables is reported only by the first table it qualifies in, so
results need no de-duplication pass.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

_PREFETCH_DISTANCE = 12  # candidates in flight ahead of the one being compared


@intrinsic
def _ctpop64(typingctx, x):
    """The hardware popcount (``llvm.ctpop.i64``); numba has no public intrinsic for it."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@intrinsic
def _prefetch(typingctx, arr, idx):
    """Hint the CPU to fetch ``arr[idx]`` into cache (``llvm.prefetch``; read, keep in L1).

    Matching is bound by memory latency: each probe and each candidate is a random access into
    hundreds of MB. Issuing the loads ahead of use lets many misses overlap instead of paying
    for them one after another."""
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", nogil=True, cache=True)
def _popcount(x: np.uint64) -> np.int64:
    return np.int64(_ctpop64(x))


@njit(inline="always", nogil=True, cache=True)
def _chunk(w0, w1, w2, w3, start, width):
    """Bits ``[start, start + width)`` of the 256-bit value (width <= 32)."""
    wi = start >> 6
    off = np.uint64(start & 63)
    if wi == 0:
        a, b = w0, w1
    elif wi == 1:
        a, b = w1, w2
    elif wi == 2:
        a, b = w2, w3
    else:
        a, b = w3, np.uint64(0)
    v = a >> off
    if off + np.uint64(width) > np.uint64(64):
        v |= b << (np.uint64(64) - off)
    return v & ((np.uint64(1) << np.uint64(width)) - np.uint64(1))


@njit(nogil=True, cache=True)
def chunk_values(words, start, width):
    """One chunk of every row of an ``(n, 4)`` uint64 array, as uint32."""
    n = words.shape[0]
    out = np.empty(n, dtype=np.uint32)
    for i in range(n):
        out[i] = np.uint32(_chunk(words[i, 0], words[i, 1], words[i, 2], words[i, 3], start, width))
    return out


@njit(nogil=True, cache=True)
def counting_sort(keys, nbuckets):
    """Stable counting sort: returns (order, directory) with ``directory[k]..directory[k+1]``
    the range of ``order`` holding key ``k``. O(n + buckets), far cheaper than argsort."""
    n = keys.shape[0]
    directory = np.zeros(nbuckets + 1, dtype=np.uint32)
    for i in range(n):
        directory[keys[i] + 1] += 1
    for k in range(nbuckets):
        directory[k + 1] += directory[k]
    fill = directory[:-1].copy()
    order = np.empty(n, dtype=np.uint32)
    for i in range(n):
        k = keys[i]
        order[fill[k]] = i
        fill[k] += 1
    return order, directory


@njit(inline="always", nogil=True, cache=True)
def _alive(bitmap, pos):
    return (bitmap[pos >> 3] >> (pos & 7)) & 1


DIR_BLOCK_SHIFT = 5  # a uint32 directory checkpoint every 32 buckets


@njit(inline="always", nogil=True, cache=True)
def _bucket(coarse, fine, cbase, fbase, key):
    """Start of bucket ``key``: a uint32 checkpoint per 32 buckets plus a small (usually
    uint8) offset per bucket, 1.1 bytes per bucket instead of 4 for a flat uint32 directory."""
    return np.int64(coarse[cbase + (key >> DIR_BLOCK_SHIFT)]) + np.int64(fine[fbase + key])


@njit(inline="always", nogil=True, cache=True)
def _posting(postings, idx, pw):
    """Posting ``idx``: a row number stored little-endian in ``pw`` bytes (3 while rows < 2**24)."""
    b = idx * pw
    v = np.int64(postings[b]) | (np.int64(postings[b + 1]) << 8) | (np.int64(postings[b + 2]) << 16)
    if pw == 4:
        v |= np.int64(postings[b + 3]) << 24
    return v


@njit(inline="always", nogil=True, cache=True)
def _check(
    pos, j, q0, q1, q2, q3, words, starts, widths, radii, alive, threshold, out_pos, out_dist,
    count,
):
    """Compare one candidate; append it if it is within the threshold, alive, and not
    already reported by an earlier table. Returns the new hit count."""
    x0 = words[pos, 0] ^ q0
    x1 = words[pos, 1] ^ q1
    x2 = words[pos, 2] ^ q2
    x3 = words[pos, 3] ^ q3
    d = _popcount(x0) + _popcount(x1) + _popcount(x2) + _popcount(x3)
    if d > threshold:
        return count
    for k in range(j):
        if radii[k] >= 0 and _popcount(_chunk(x0, x1, x2, x3, starts[k], widths[k])) <= radii[k]:
            return count
    if _alive(alive, pos) == 0:
        return count
    if count < out_pos.shape[0]:
        out_pos[count] = pos
        out_dist[count] = d
    return count + 1


@njit(nogil=True, cache=True)
def _mih_one(
    q, words, starts, widths, radii, masks, mask_lo, mask_hi, coarse, coarse_off, dirs, dir_off,
    postings,
    post_off, pw, alive, threshold, out_pos, out_dist, scratch,
):
    """Search one query; write up to ``len(out_pos)`` hits and return the true hit count.

    Per table the work is software-pipelined: prefetch every probed directory slot, then read
    the bucket ranges (prefetching their postings), gather candidate rows into ``scratch``, and
    compare them while prefetching the rows a fixed distance ahead."""
    q0, q1, q2, q3 = q[0], q[1], q[2], q[3]
    nrows = np.int64(words.shape[0])
    wflat = words.reshape(words.shape[0] * 4)
    m = starts.shape[0]
    count = 0
    for j in range(m):
        r = radii[j]
        if r < 0:
            continue
        qc = _chunk(q0, q1, q2, q3, starts[j], widths[j])
        dbase = dir_off[j]
        cbase = coarse_off[j]
        pbase = post_off[j]
        lo_m, hi_m = mask_lo[j], mask_hi[j]
        for mi in range(lo_m, hi_m):
            _prefetch(dirs, dbase + np.int64(qc ^ np.uint64(masks[mi])))
        if j == 0:
            # rows are sorted by chunk 0: each bucket is a contiguous run of rows
            for mi in range(lo_m, hi_m):
                key = np.int64(qc ^ np.uint64(masks[mi]))
                lo = _bucket(coarse, dirs, cbase, dbase, key)
                hi = min(_bucket(coarse, dirs, cbase, dbase, key + 1), nrows)
                for pos in range(lo, hi):
                    count = _check(pos, j, q0, q1, q2, q3, words, starts, widths, radii,
                                   alive, threshold, out_pos, out_dist, count)
            continue
        # bucket ranges go in the top of scratch while their postings are prefetched
        nm = hi_m - lo_m
        rbase = scratch.shape[0] - 2 * nm
        for mi in range(lo_m, hi_m):
            key = np.int64(qc ^ np.uint64(masks[mi]))
            lo = _bucket(coarse, dirs, cbase, dbase, key)
            scratch[rbase + 2 * (mi - lo_m)] = lo
            scratch[rbase + 2 * (mi - lo_m) + 1] = min(
                _bucket(coarse, dirs, cbase, dbase, key + 1), nrows)
            _prefetch(postings, (pbase + lo) * pw)
        nc = 0
        for mi in range(nm):
            lo = scratch[rbase + 2 * mi]
            hi = scratch[rbase + 2 * mi + 1]
            if nc + (hi - lo) > rbase:
                # flush what we have so far before the buffer overflows
                for c in range(nc):
                    count = _check(scratch[c], j, q0, q1, q2, q3, words, starts, widths, radii,
                                   alive, threshold, out_pos, out_dist, count)
                nc = 0
            for t in range(lo, hi):
                pos = _posting(postings, pbase + t, pw)
                if pos >= nrows:  # only a corrupt file could hold one; never read past rows
                    continue
                scratch[nc] = pos
                nc += 1
                if nc <= _PREFETCH_DISTANCE:
                    _prefetch(wflat, pos * 4)
        for c in range(nc):
            if c + _PREFETCH_DISTANCE < nc:
                _prefetch(wflat, scratch[c + _PREFETCH_DISTANCE] * 4)
            count = _check(scratch[c], j, q0, q1, q2, q3, words, starts, widths, radii, alive,
                           threshold, out_pos, out_dist, count)
    return count


@njit(nogil=True, cache=True)
def _flat_one(q, words, alive, threshold, out_pos, out_dist):
    q0, q1, q2, q3 = q[0], q[1], q[2], q[3]
    cap = out_pos.shape[0]
    count = 0
    for pos in range(words.shape[0]):
        d = (
            _popcount(words[pos, 0] ^ q0)
            + _popcount(words[pos, 1] ^ q1)
            + _popcount(words[pos, 2] ^ q2)
            + _popcount(words[pos, 3] ^ q3)
        )
        if d <= threshold and _alive(alive, pos) == 1:
            if count < cap:
                out_pos[count] = pos
                out_dist[count] = d
            count += 1
    return count


@njit(nogil=True, cache=True)
def _scratch_len(mask_lo, mask_hi, candidates):
    """Room for every bucket range of the widest table plus a candidate buffer."""
    most = 0
    for j in range(mask_lo.shape[0]):
        most = max(most, mask_hi[j] - mask_lo[j])
    return 2 * most + candidates


@njit(nogil=True, cache=True)
def mih_search_serial(
    queries, words, starts, widths, radii, masks, mask_lo, mask_hi, coarse, coarse_off, dirs,
    dir_off, postings, post_off, pw, alive, threshold, flat,
):
    """All queries on the calling thread. Returns (lims, positions, distances)."""
    nq = queries.shape[0]
    lims = np.zeros(nq + 1, dtype=np.int64)
    cap = 64
    res_pos = np.empty(cap, dtype=np.int64)
    res_dist = np.empty(cap, dtype=np.int32)
    buf_pos = np.empty(256, dtype=np.int64)
    buf_dist = np.empty(256, dtype=np.int32)
    scratch = np.empty(_scratch_len(mask_lo, mask_hi, 1 << 16), dtype=np.int64)
    total = 0
    for qi in range(nq):
        while True:
            if flat:
                c = _flat_one(queries[qi], words, alive, threshold, buf_pos, buf_dist)
            else:
                c = _mih_one(
                    queries[qi], words, starts, widths, radii, masks, mask_lo, mask_hi, coarse,
                    coarse_off, dirs, dir_off, postings, post_off, pw, alive, threshold, buf_pos, buf_dist, scratch,
                )
            if c <= buf_pos.shape[0]:
                break
            buf_pos = np.empty(2 * c, dtype=np.int64)
            buf_dist = np.empty(2 * c, dtype=np.int32)
        if total + c > cap:
            cap = max(2 * cap, total + c)
            grown_pos = np.empty(cap, dtype=np.int64)
            grown_dist = np.empty(cap, dtype=np.int32)
            grown_pos[:total] = res_pos[:total]
            grown_dist[:total] = res_dist[:total]
            res_pos, res_dist = grown_pos, grown_dist
        res_pos[total : total + c] = buf_pos[:c]
        res_dist[total : total + c] = buf_dist[:c]
        total += c
        lims[qi + 1] = total
    return lims, res_pos[:total], res_dist[:total]


@njit(nogil=True, parallel=True, cache=True)
def mih_search_parallel(
    queries, words, starts, widths, radii, masks, mask_lo, mask_hi, coarse, coarse_off, dirs,
    dir_off, postings, post_off, pw, alive, threshold, flat, per_query_cap,
):
    """Queries spread over every numba thread. Each query writes into its own fixed slot of
    ``per_query_cap`` hits; the (rare) queries with more hits return their true count so the
    caller can rerun just those serially with room to spare."""
    nq = queries.shape[0]
    counts = np.zeros(nq, dtype=np.int64)
    slots_pos = np.empty((nq, per_query_cap), dtype=np.int64)
    slots_dist = np.empty((nq, per_query_cap), dtype=np.int32)
    step = 32  # queries per work item: one scratch buffer each, not one per query
    for c in prange((nq + step - 1) // step):
        scratch = np.empty(_scratch_len(mask_lo, mask_hi, 1 << 13), dtype=np.int64)
        for qi in range(c * step, min(nq, (c + 1) * step)):
            if flat:
                counts[qi] = _flat_one(
                    queries[qi], words, alive, threshold, slots_pos[qi], slots_dist[qi]
                )
            else:
                counts[qi] = _mih_one(
                    queries[qi], words, starts, widths, radii, masks, mask_lo, mask_hi, coarse,
                    coarse_off, dirs, dir_off, postings, post_off, pw, alive, threshold,
                    slots_pos[qi], slots_dist[qi], scratch,
                )
    return counts, slots_pos, slots_dist


@njit(nogil=True, cache=True)
def mark_removed(ids, ids_base, sorted_remove, alive):
    """Clear the alive bit of every row whose id is in ``sorted_remove``; return how many."""
    removed = 0
    nr = sorted_remove.shape[0]
    for pos in range(ids.shape[0]):
        v = np.int64(ids[pos]) + ids_base
        k = np.searchsorted(sorted_remove, v)
        if k < nr and sorted_remove[k] == v and _alive(alive, pos) == 1:
            alive[pos >> 3] &= np.uint8(~(np.uint8(1) << np.uint8(pos & 7)))
            removed += 1
    return removed
