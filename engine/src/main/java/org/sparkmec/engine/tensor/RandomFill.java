package org.sparkmec.engine.tensor;

import java.util.SplittableRandom;

/** Seeded uniform fills of storages, for benchmarks and tests: reproducible, in chunks (no full heap copy). */
public final class RandomFill {
    private static final int CHUNK = 1 << 20;

    private RandomFill() {
    }

    /** Fills {@code storage} with values uniform in [-1, 1) drawn from {@code seed}. */
    public static void uniform(FloatStorage storage, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] chunk = new float[(int) Math.min(CHUNK, Math.max(1, storage.length()))];
        for (long off = 0; off < storage.length(); off += chunk.length) {
            int len = (int) Math.min(chunk.length, storage.length() - off);
            for (int i = 0; i < len; i++) {
                chunk[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            storage.copyFrom(chunk, 0, off, len);
        }
    }

    /** A new tensor of {@code allocator} with values uniform in [-1, 1) drawn from {@code seed}; the caller closes it. */
    public static Tensor uniformTensor(StorageAllocator allocator, Layout layout, long seed, int... dims) {
        Tensor t = Tensor.zeros(allocator, layout, dims);
        uniform(t.storage(), seed);
        return t;
    }
}
