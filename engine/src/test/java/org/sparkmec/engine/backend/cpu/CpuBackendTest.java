package org.sparkmec.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.assertAllClose;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.MemoryTracker;
import org.sparkmec.engine.tensor.Tensor;

/**
 * The CPU backend: its buffer cache, its lifecycle, GEMM plans under every strategy against a
 * double-precision loop, and the worker pool that splits ranges.
 *
 * <p>GEMM tolerance: {@code |a - b| <= 1e-6 * terms + 1e-4 * |b|}, terms being the products summed
 * into one element of C (float32 against a double reference; operands uniform in [-1, 1]).
 */
class CpuBackendTest {
    private static final long MIB = 1L << 20;

    /** Two threads, GEMMs as concurrent single-threaded tasks. */
    private static CpuBackend tasks;
    /** Two threads, OpenBLAS's own threading. */
    private static CpuBackend blas;
    /** One thread: everything on the caller. */
    private static CpuBackend single;

    @BeforeAll
    static void start() {
        // OpenBLAS's thread count is process-wide and set by the last backend made: the BLAS backend comes
        // last, and the other backends this class makes are BLAS with 2 threads too, so that BLAS mode runs
        // as configured (TASKS mode then calls a 2-thread OpenBLAS concurrently, which OpenBLAS allows).
        tasks = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS, 0));
        single = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
        blas = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.BLAS, 0));
    }

    @AfterAll
    static void stop() {
        tasks.close();
        blas.close();
        single.close();
    }

    // ---- buffer cache -------------------------------------------------------------------------------

    @Test
    void freedBuffersOfTheSameSizeAreReusedAndZeroFilled() {
        try (CpuBackend b = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.BLAS, MIB))) {
            MemoryTracker t = b.memoryTracker();
            FloatStorage first = b.allocate(1000);
            long address = HostFloatStorage.of(first).address();
            first.copyFrom(filled(1000, 3f), 0, 0, 1000);
            assertEquals(4000, t.liveBytes());
            first.close();
            assertEquals(0, t.liveBytes());
            assertEquals(4000, t.cachedBytes(), "the freed buffer is kept");

            try (FloatStorage other = b.allocate(999)) {
                assertEquals(999, other.length());
                assertEquals(4000, t.cachedBytes(), "a buffer of another size is not served from the cache");
                assertEquals(3996, t.liveBytes());
            }
            assertEquals(4000 + 3996, t.cachedBytes());

            FloatStorage second = b.allocate(1000);
            assertEquals(address, HostFloatStorage.of(second).address(), "the same memory is handed out again");
            assertEquals(3996, t.cachedBytes(), "taken out of the cache");
            assertEquals(4000, t.liveBytes(), "and counted live again");
            float[] content = new float[1000];
            second.copyTo(0, content, 0, 1000);
            assertArrayEquals(new float[1000], content, "allocate zero-fills a reused buffer");
            second.close();
        }
    }

    @Test
    void cacheKeepsNoMoreThanItsCapacity() {
        try (CpuBackend b = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.BLAS, 4000))) {
            MemoryTracker t = b.memoryTracker();
            FloatStorage x = b.allocate(1000);
            FloatStorage y = b.allocate(1000);
            x.close();
            y.close();
            assertEquals(4000, t.cachedBytes(), "the second buffer does not fit the 4000-byte budget");
            assertEquals(0, t.liveBytes());
        }
    }

    @Test
    void zeroCapacityCachesNothing() {
        try (CpuBackend b = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.BLAS, 0))) {
            MemoryTracker t = b.memoryTracker();
            for (int i = 0; i < 3; i++) {
                b.allocate(1000).close();
                b.allocateForOverwrite(1000).close();
            }
            assertEquals(0, t.cachedBytes());
            assertEquals(0, t.liveBytes());
            assertEquals(6 * 4000, t.totalAllocatedBytes());
        }
    }

    @Test
    void closeFreesTheCacheAndIsIdempotent() {
        CpuBackend b = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.BLAS, MIB));
        MemoryTracker t = b.memoryTracker();
        b.allocate(1000).close();
        b.allocate(10).close();
        assertEquals(4040, t.cachedBytes());
        b.close();
        assertEquals(0, t.cachedBytes(), "close frees every cached buffer");
        b.close();
        assertEquals(0, t.cachedBytes(), "a second close does nothing");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.allocate(10));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> b.allocateForOverwrite(10));
        assertThrows(IllegalStateException.class, b::kernels);
    }

    @Test
    void bufferClosedAfterItsBackendIsFreedNotCached() {
        CpuBackend b = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.BLAS, MIB));
        FloatStorage outlives = b.allocate(1000);
        b.close();
        outlives.close();
        assertEquals(0, b.memoryTracker().liveBytes());
        assertEquals(0, b.memoryTracker().cachedBytes(), "memory of a closed backend must not be kept for reuse");
    }

    @Test
    void storageChecksItsRanges() {
        try (FloatStorage s = tasks.allocate(8)) {
            assertThrows(IndexOutOfBoundsException.class, () -> s.copyFrom(new float[4], 0, 5, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> s.copyTo(-1, new float[4], 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> s.fillZero(4, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> s.copyFrom(new float[4], 2, 0, 3), "source array range");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tasks.allocate(-1));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
        }
    }

    @Test
    void gemmAfterCloseThrows() {
        CpuBackend b = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.BLAS, 0));
        FloatStorage s = tasks.allocate(4);
        try {
            GemmPlan plan = GemmPlan.builder(Transpose.NONE, Transpose.NONE, 2, 2, 1).a(s, 1).b(s, 2).c(s, 2)
                    .add(0, 0, 0).build();
            b.close();
            assertThrows(IllegalStateException.class, () -> b.gemm(plan));
        } finally {
            s.close();
        }
    }

    // ---- GEMM ---------------------------------------------------------------------------------------

    enum Mode {
        TASKS, BLAS, SINGLE;

        CpuBackend backend() {
            return switch (this) {
                case TASKS -> tasks;
                case BLAS -> blas;
                case SINGLE -> single;
            };
        }
    }

    /**
     * Operands of a plan of {@code count} calls, stored with padded leading dimensions and offsets.
     * Call i reads A from column {@code i * aStep} of a wide row-major strip (MEC-style overlapping
     * windows when aStep is less than the window width), B from its own block, and writes C block i
     * (DISJOINT) or accumulates into one C (OVERLAPPING, beta = 1).
     */
    private static final class Operands implements AutoCloseable {
        final GemmPlan plan;
        final Tensor a;
        final Tensor b;
        final Tensor c;
        final float[] cBefore;

        Operands(CpuBackend backend, Transpose ta, Transpose tb, int m, int n, int k, int count,
                 GemmPlan.Outputs outputs, long seed) {
            boolean overlapping = outputs == GemmPlan.Outputs.OVERLAPPING;
            int aRows = ta == Transpose.NONE ? m : k;
            int aCols = ta == Transpose.NONE ? k : m;
            int aStep = 3;
            int lda = aCols + aStep * (count - 1) + 2;
            int bRows = tb == Transpose.NONE ? k : n;
            int ldb = (tb == Transpose.NONE ? n : k) + 1;
            int ldc = n + 2;
            long aOffset = 5;
            long bOffset = 7;
            long cOffset = 3;
            long cBlock = (long) m * ldc;
            a = random(backend, Layout.VECTOR, seed, (int) (aOffset + (long) aRows * lda));
            b = random(backend, Layout.VECTOR, seed + 1, (int) (bOffset + (long) count * bRows * ldb));
            c = random(backend, Layout.VECTOR, seed + 2, (int) (cOffset + (overlapping ? 1 : count) * cBlock));
            cBefore = c.toArray();
            GemmPlan.Builder builder = GemmPlan.builder(ta, tb, m, n, k).alpha(overlapping ? 1f : 0.75f)
                    .beta(overlapping ? 1f : 0.5f).a(a.storage(), lda).b(b.storage(), ldb).c(c.storage(), ldc)
                    .outputs(outputs);
            for (int i = 0; i < count; i++) {
                builder.add(aOffset + (long) i * aStep, bOffset + (long) i * bRows * ldb,
                        cOffset + (overlapping ? 0 : i * cBlock));
            }
            plan = builder.build();
        }

        /** C as the plan's calls, run in list order in double precision, leave it. */
        float[] reference() {
            float[] av = a.toArray();
            float[] bv = b.toArray();
            double[] cv = new double[cBefore.length];
            for (int i = 0; i < cv.length; i++) {
                cv[i] = cBefore[i];
            }
            GemmPlan p = plan;
            for (int call = 0; call < p.count(); call++) {
                for (int i = 0; i < p.m(); i++) {
                    for (int j = 0; j < p.n(); j++) {
                        double sum = 0;
                        for (int l = 0; l < p.k(); l++) {
                            double x = p.transA() == Transpose.NONE ? av[(int) (p.aOffset(call) + (long) i * p.lda() + l)]
                                    : av[(int) (p.aOffset(call) + (long) l * p.lda() + i)];
                            double y = p.transB() == Transpose.NONE ? bv[(int) (p.bOffset(call) + (long) l * p.ldb() + j)]
                                    : bv[(int) (p.bOffset(call) + (long) j * p.ldb() + l)];
                            sum += x * y;
                        }
                        int at = (int) (p.cOffset(call) + (long) i * p.ldc() + j);
                        cv[at] = p.alpha() * sum + p.beta() * cv[at];
                    }
                }
            }
            float[] out = new float[cv.length];
            for (int i = 0; i < cv.length; i++) {
                out[i] = (float) cv[i];
            }
            return out;
        }

        void assertMatchesReference(String what) {
            int terms = plan.k() * (plan.outputs() == GemmPlan.Outputs.OVERLAPPING ? plan.count() : 1) + 1;
            assertAllClose(what, reference(), c.toArray(), 1e-6 * terms, 1e-4);
        }

        @Override
        public void close() {
            a.close();
            b.close();
            c.close();
        }
    }

    static Stream<Arguments> transposeCombinations() {
        List<Arguments> out = new ArrayList<>();
        for (Mode mode : new Mode[] {Mode.TASKS, Mode.BLAS}) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    // 37x23 * 23x29 (row blocks under TASKS), and its transpose shape 29x23 * 23x37 (column blocks).
                    out.add(Arguments.of(mode, ta, tb, 37, 29));
                    out.add(Arguments.of(mode, ta, tb, 29, 37));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}/{2} {3}x23*23x{4}")
    @MethodSource("transposeCombinations")
    void singleGemmMatchesDoubleLoop(Mode mode, Transpose ta, Transpose tb, int m, int n) {
        try (Operands ops = new Operands(mode.backend(), ta, tb, m, n, 23, 1, GemmPlan.Outputs.DISJOINT, m * 31L + n)) {
            mode.backend().gemm(ops.plan);
            ops.assertMatchesReference(mode + " " + ta + "/" + tb);
        }
    }

    @ParameterizedTest(name = "{0} {1}/{2}")
    @MethodSource("transposeModes")
    void accumulatingCallsIntoOneOutputMatchDoubleLoop(Mode mode, Transpose ta, Transpose tb) {
        // Five calls, beta = 1, overlapping A windows, all into one C: C += sum_i op(A_i) op(B_i).
        try (Operands ops = new Operands(mode.backend(), ta, tb, 37, 29, 23, 5, GemmPlan.Outputs.OVERLAPPING, 77)) {
            mode.backend().gemm(ops.plan);
            ops.assertMatchesReference(mode + " accumulating " + ta + "/" + tb);
        }
    }

    static Stream<Arguments> transposeModes() {
        List<Arguments> out = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    out.add(Arguments.of(mode, ta, tb));
                }
            }
        }
        return out.stream();
    }

    /**
     * The documented choice of {@link CpuBackend#strategy}: one thread or BLAS mode runs calls in
     * sequence; disjoint calls whose count divides evenly over the threads (or is at least 8 per thread)
     * are distributed whole; other disjoint plans split C by columns when it is wider than tall, else by
     * rows; overlapping plans always split by rows. Each plan is also run and checked.
     */
    static Stream<Arguments> strategyCases() {
        GemmPlan.Outputs d = GemmPlan.Outputs.DISJOINT;
        GemmPlan.Outputs o = GemmPlan.Outputs.OVERLAPPING;
        return Stream.of(
                Arguments.of(Mode.TASKS, 37, 29, 2, d, CpuBackend.Strategy.DISTRIBUTE_CALLS),
                Arguments.of(Mode.TASKS, 29, 37, 4, d, CpuBackend.Strategy.DISTRIBUTE_CALLS),
                Arguments.of(Mode.TASKS, 37, 29, 16, d, CpuBackend.Strategy.DISTRIBUTE_CALLS),
                Arguments.of(Mode.TASKS, 37, 29, 17, d, CpuBackend.Strategy.DISTRIBUTE_CALLS),
                Arguments.of(Mode.TASKS, 29, 37, 1, d, CpuBackend.Strategy.SPLIT_COLUMNS),
                Arguments.of(Mode.TASKS, 29, 37, 3, d, CpuBackend.Strategy.SPLIT_COLUMNS),
                Arguments.of(Mode.TASKS, 37, 29, 3, d, CpuBackend.Strategy.SPLIT_ROWS),
                Arguments.of(Mode.TASKS, 29, 29, 1, d, CpuBackend.Strategy.SPLIT_ROWS),
                Arguments.of(Mode.TASKS, 37, 29, 4, o, CpuBackend.Strategy.SPLIT_ROWS),
                Arguments.of(Mode.TASKS, 29, 37, 16, o, CpuBackend.Strategy.SPLIT_ROWS),
                Arguments.of(Mode.BLAS, 37, 29, 2, d, CpuBackend.Strategy.SEQUENTIAL),
                Arguments.of(Mode.BLAS, 37, 29, 4, o, CpuBackend.Strategy.SEQUENTIAL),
                Arguments.of(Mode.SINGLE, 29, 37, 16, d, CpuBackend.Strategy.SEQUENTIAL),
                Arguments.of(Mode.SINGLE, 37, 29, 3, o, CpuBackend.Strategy.SEQUENTIAL));
    }

    @ParameterizedTest(name = "{0} {1}x{2} x{3} {4} -> {5}")
    @MethodSource("strategyCases")
    void strategyFollowsTheDocumentedRuleAndComputesTheSame(Mode mode, int m, int n, int count,
                                                           GemmPlan.Outputs outputs, CpuBackend.Strategy expected) {
        for (Transpose ta : Transpose.values()) {
            try (Operands ops = new Operands(mode.backend(), ta, Transpose.NONE, m, n, 23, count, outputs, count * 7L)) {
                assertEquals(expected, mode.backend().strategy(ops.plan));
                mode.backend().gemm(ops.plan);
                ops.assertMatchesReference(expected + " " + ta);
            }
        }
    }

    @Test
    void gemmRejectsForeignStorage() {
        FloatStorage foreign = new FloatStorage() {
            @Override public long length() { return 4; }
            @Override public boolean isClosed() { return false; }
            @Override public void copyFrom(float[] src, int srcOffset, long offset, int length) { }
            @Override public void copyTo(long offset, float[] dst, int dstOffset, int length) { }
            @Override public void fillZero(long offset, long length) { }
            @Override public void close() { }
        };
        try (FloatStorage s = tasks.allocate(4)) {
            GemmPlan plan = GemmPlan.builder(Transpose.NONE, Transpose.NONE, 2, 2, 1).a(foreign, 1).b(s, 2).c(s, 2)
                    .add(0, 0, 0).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tasks.gemm(plan));
            assertTrue(e.getMessage().contains("host storage"), e.getMessage());
        }
    }

    // ---- workers ------------------------------------------------------------------------------------

    static Stream<Arguments> workerRanges() {
        List<Arguments> out = new ArrayList<>();
        for (int threads : new int[] {1, 2, 3, 4}) {
            for (long count : new long[] {0, 1, 2, 3, 7, 1000}) {
                out.add(Arguments.of(threads, count));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "threads={0} count={1}")
    @MethodSource("workerRanges")
    void forEachRangeCoversEachIndexOnceInContiguousBlocks(int threads, long count) {
        try (CpuWorkers workers = new CpuWorkers(threads)) {
            AtomicIntegerArray hits = new AtomicIntegerArray((int) count);
            List<long[]> blocks = new ArrayList<>();
            workers.forEachRange(count, (start, end) -> {
                synchronized (blocks) {
                    blocks.add(new long[] {start, end});
                }
                for (long i = start; i < end; i++) {
                    hits.incrementAndGet((int) i);
                }
            });
            for (int i = 0; i < count; i++) {
                assertEquals(1, hits.get(i), "index " + i + " visited once");
            }
            assertEquals(Math.min(threads, count), blocks.size(), "one block per thread, never an empty one");
            blocks.sort((x, y) -> Long.compare(x[0], y[0]));
            long next = 0;
            for (long[] block : blocks) {
                assertEquals(next, block[0], "blocks are contiguous");
                assertTrue(block[1] > block[0], "blocks are not empty");
                next = block[1];
            }
            assertEquals(count, next);
        }
    }

    @ParameterizedTest(name = "failing block starts at {0}")
    @ValueSource(longs = {0, 250, 500, 750})
    void exceptionInABlockPropagatesToTheCaller(long failingStart) {
        try (CpuWorkers workers = new CpuWorkers(4)) {
            IllegalStateException boom = new IllegalStateException("boom");
            AtomicIntegerArray finished = new AtomicIntegerArray(4);
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> workers.forEachRange(1000, (start, end) -> {
                        if (start == failingStart) {
                            throw boom;
                        }
                        finished.incrementAndGet((int) (start / 250));
                    }));
            assertSame(boom, thrown, "the worker's exception itself reaches the caller");
            for (int b = 0; b < 4; b++) {
                assertEquals(b * 250L == failingStart ? 0 : 1, finished.get(b), "the other blocks ran to the end");
            }
            // The pool survives a failed range.
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            workers.forEachRange(10, (start, end) -> {
                for (long i = start; i < end; i++) {
                    hits.incrementAndGet((int) i);
                }
            });
            for (int i = 0; i < 10; i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void errorInAWorkerPropagatesAsItself() {
        try (CpuWorkers workers = new CpuWorkers(2)) {
            AssertionError error = new AssertionError("worker error");
            AssertionError thrown = assertThrows(AssertionError.class, () -> workers.forEachRange(10, (start, end) -> {
                if (start > 0) {
                    throw error;
                }
            }));
            assertSame(error, thrown);
        }
    }

    @Test
    void workersNeedAThread() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CpuWorkers(0));
        assertTrue(e.getMessage().contains("at least 1, got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpuBackendOptions(0, GemmParallelism.TASKS, 0));
        assertTrue(e.getMessage().contains("at least 1, got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpuBackendOptions(1, GemmParallelism.TASKS, -1));
        assertTrue(e.getMessage().contains("got -1"), e.getMessage());
    }

    private static float[] filled(int length, float value) {
        float[] out = new float[length];
        Arrays.fill(out, value);
        return out;
    }
}
