/**
 * Primes the C allocator for streaming. glibc's malloc gives the free memory at the top of its heap
 * back to the kernel whenever more than M_TRIM_THRESHOLD (128 KiB by default) is free. A proxy
 * allocates and frees a 64 KiB buffer per socket read and a copy per body chunk, so with the default
 * every buffer lands on pages the kernel must map and zero again: a pull through the data plane on the
 * PostgreSQL store cost 3-5 times the CPU per GiB it costs on PGlite (whose start-up allocations raise
 * the thresholds by accident, in memory or with a data directory). glibc raises both thresholds by
 * itself when a chunk it mapped on its own is freed (its dynamic threshold: mmap threshold to the
 * chunk's size, trim threshold to twice that), so one 16 MiB buffer, dropped, does it: once garbage
 * collection frees it, the top of the heap is kept up to 32 MiB. Other allocators (musl) are left as
 * they are: the buffer is just freed.
 */
export function primeAllocator(): void {
  // Dropped at once and held nowhere: the next scavenge frees it, through free().
  new Uint8Array(16 * 1024 * 1024).fill(0, 0, 1);
}
