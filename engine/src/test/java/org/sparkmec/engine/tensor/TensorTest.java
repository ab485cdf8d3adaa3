package org.sparkmec.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.conv.ConvTestSupport.random;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;

/**
 * {@link Tensor} on the CPU backend's native storage: content, bounds, ownership and the memory
 * tracker's accounting. The backend runs without a buffer cache, so every close returns its memory.
 */
class TensorTest {
    private CpuBackend backend;
    private MemoryTracker tracker;

    @BeforeEach
    void start() {
        backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
        tracker = backend.memoryTracker();
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    @Test
    void zerosAreZero() {
        // Dirty the native heap first, so that a reused block would show.
        try (Tensor dirty = random(backend, Layout.NHWC, 1, 2, 3, 5, 7)) {
            assertTrue(dirty.get(0) != 0);
        }
        try (Tensor t = Tensor.zeros(backend, Layout.NHWC, 2, 3, 5, 7)) {
            assertArrayEquals(new float[2 * 3 * 5 * 7], t.toArray());
            assertEquals(210, t.numElements());
            assertEquals(840, t.byteSize());
            assertEquals(4, t.rank());
            assertEquals(Layout.NHWC, t.layout());
            assertArrayEquals(new int[] {2, 3, 5, 7}, t.dims());
            assertEquals(5, t.dim(2));
        }
    }

    @Test
    void ofCopyFromAndToArrayRoundTripBitForBit() {
        float[] values = {1.5f, -0f, 0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, -Float.MAX_VALUE, 3.0e-39f, 7f, -2.25f, 1e-7f};
        try (Tensor t = Tensor.of(backend, Layout.MATRIX, values, 3, 4)) {
            assertArrayEquals(values, t.toArray(), "Tensor.of then toArray");
            for (int i = 0; i < values.length; i++) {
                assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(t.get(i)), "get(" + i + ")");
            }
            float[] reversed = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                reversed[i] = values[values.length - 1 - i];
            }
            t.copyFrom(reversed);
            assertArrayEquals(reversed, t.toArray(), "copyFrom then toArray");
            float[] copy = t.toArray();
            copy[0] = 99f;
            assertEquals(reversed[0], t.get(0), "toArray returns a copy");
            t.fillZero();
            assertArrayEquals(new float[values.length], t.toArray(), "fillZero");
        }
    }

    @Test
    void wrongValueCountsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(backend, Layout.MATRIX, new float[5], 2, 3));
        assertTrue(e.getMessage().contains("got 5 values") && e.getMessage().contains("expected 6"), e.getMessage());
        try (Tensor t = Tensor.zeros(backend, Layout.VECTOR, 4)) {
            e = assertThrows(IllegalArgumentException.class, () -> t.copyFrom(new float[3]));
            assertTrue(e.getMessage().contains("got 3 values") && e.getMessage().contains("4 elements"), e.getMessage());
            assertArrayEquals(new float[4], t.toArray(), "a rejected copyFrom writes nothing");
        }
        assertEquals(0, tracker.liveBytes(), "a rejected Tensor.of allocates nothing, or frees it");
    }

    @Test
    void getAndSetUseRowMajorIndicesWithinBounds() {
        try (Tensor t = Tensor.zeros(backend, Layout.NHWC, 2, 3, 2, 2)) {
            // Element (n=1, h=2, w=0, c=1) of a 2x3x2x2 tensor: ((1*3 + 2)*2 + 0)*2 + 1 = 21.
            t.set(21, 4.5f);
            assertEquals(4.5f, t.get(21));
            float[] all = t.toArray();
            assertEquals(4.5f, all[21]);
            all[21] = 0;
            assertArrayEquals(new float[24], all, "set writes one element only");
            t.set(23, -1f);
            assertEquals(-1f, t.get(23));

            for (long bad : new long[] {-1, 24, 1L << 40}) {
                IndexOutOfBoundsException g = assertThrows(IndexOutOfBoundsException.class, () -> t.get(bad));
                assertTrue(g.getMessage().contains("index " + bad) && g.getMessage().contains("[0, 24)"), g.getMessage());
                IndexOutOfBoundsException s = assertThrows(IndexOutOfBoundsException.class, () -> t.set(bad, 1f));
                assertTrue(s.getMessage().contains("index " + bad), s.getMessage());
            }
        }
    }

    @Test
    void dimsAreCopiedInAndOut() {
        int[] dims = {2, 3};
        try (Tensor t = Tensor.zeros(backend, Layout.MATRIX, dims)) {
            dims[0] = 99;
            assertEquals(2, t.dim(0), "the caller's array is not kept");
            t.dims()[1] = 99;
            assertEquals(3, t.dim(1), "dims() returns a copy");
        }
    }

    @Test
    void closeIsIdempotentAndReleasesOnce() {
        try (Tensor other = Tensor.zeros(backend, Layout.VECTOR, 10)) {
            Tensor t = Tensor.zeros(backend, Layout.NHWC, 1, 2, 3, 4);
            assertEquals(40 + 96, tracker.liveBytes());
            assertFalse(t.isClosed());
            t.close();
            assertTrue(t.isClosed());
            assertTrue(t.toString().contains("closed"), t.toString());
            assertEquals(40, tracker.liveBytes(), "first close releases the tensor's 96 bytes");
            t.close();
            assertEquals(40, tracker.liveBytes(), "second close does nothing");
            assertFalse(other.isClosed(), "closing one tensor leaves the others open");
        }
        assertEquals(0, tracker.liveBytes());
    }

    static Stream<Named<Consumer<Tensor>>> dataAccessors() {
        return List.of(
                Named.<Consumer<Tensor>>of("storage()", Tensor::storage),
                Named.<Consumer<Tensor>>of("get(0)", t -> t.get(0)),
                Named.<Consumer<Tensor>>of("set(0, 1)", t -> t.set(0, 1f)),
                Named.<Consumer<Tensor>>of("toArray()", Tensor::toArray),
                Named.<Consumer<Tensor>>of("copyFrom(values)", t -> t.copyFrom(new float[6])),
                Named.<Consumer<Tensor>>of("fillZero()", Tensor::fillZero),
                Named.<Consumer<Tensor>>of("checkOpen()", Tensor::checkOpen)).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dataAccessors")
    void accessorsThrowAfterClose(Consumer<Tensor> accessor) {
        Tensor t = Tensor.zeros(backend, Layout.MATRIX, 2, 3);
        accessor.accept(t);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> accessor.accept(t));
        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void storageUsedAfterItsTensorClosedThrows() {
        Tensor t = Tensor.zeros(backend, Layout.VECTOR, 8);
        FloatStorage s = t.storage();
        t.close();
        assertTrue(s.isClosed());
        assertThrows(IllegalStateException.class, () -> s.copyTo(0, new float[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> s.copyFrom(new float[1], 0, 0, 1));
        assertThrows(IllegalStateException.class, () -> s.fillZero(0, 1));
    }

    @Test
    void trackerAccountsFourBytesPerFloat() {
        long total0 = tracker.totalAllocatedBytes();
        assertEquals(0, tracker.liveBytes());
        Tensor a = Tensor.zeros(backend, Layout.NHWC, 2, 3, 4, 5);
        assertEquals(480, tracker.liveBytes());
        assertEquals(480, tracker.peakBytes());
        Tensor b = Tensor.of(backend, Layout.VECTOR, new float[] {1, 2, 3}, 3);
        assertEquals(492, tracker.liveBytes());
        assertEquals(492, tracker.peakBytes());
        a.close();
        assertEquals(12, tracker.liveBytes());
        assertEquals(492, tracker.peakBytes(), "the peak stays after frees");
        tracker.resetPeak();
        assertEquals(12, tracker.peakBytes(), "resetPeak starts at the live size");
        try (Tensor c = Tensor.zeros(backend, Layout.HWIO, 3, 3, 2, 2)) {
            assertEquals(12 + 144, tracker.peakBytes());
            assertEquals(c.byteSize(), 144);
        }
        b.close();
        assertEquals(0, tracker.liveBytes());
        assertEquals(480 + 12 + 144, tracker.totalAllocatedBytes() - total0, "total counts every allocation once");
        assertEquals(0, tracker.cachedBytes(), "no buffer cache configured");
    }
}
