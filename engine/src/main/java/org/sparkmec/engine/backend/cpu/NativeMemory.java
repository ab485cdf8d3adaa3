package org.sparkmec.engine.backend.cpu;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

/**
 * Unchecked access to native memory by address: the CPU kernels' element loads, stores and bulk copies.
 *
 * <p>Uses {@code sun.misc.Unsafe} (module jdk.unsupported, no JVM flags needed on Java 17), as Spark's
 * own {@code Platform} does: direct {@code FloatBuffer}s cannot address more than 2^31 bytes, and im2col's
 * lowered matrix for a batch of 32 exceeds that. Every caller has checked its bounds.
 */
final class NativeMemory {
    private static final Unsafe UNSAFE = loadUnsafe();
    /** Above this many bytes copies are split so that safepoints are not delayed for long. */
    private static final long COPY_CHUNK = 1L << 20;

    private NativeMemory() {
    }

    private static Unsafe loadUnsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("sun.misc.Unsafe is not accessible: " + e);
        }
    }

    static float getFloat(long address) {
        return UNSAFE.getFloat(address);
    }

    static void putFloat(long address, float value) {
        UNSAFE.putFloat(address, value);
    }

    /**
     * Copies below this many bytes use 8-byte loads and stores: {@code Unsafe.copyMemory} costs a native
     * call each time, which dominated the lowering of layers whose spans are a few dozen floats.
     */
    private static final long SMALL_COPY = 512;

    static void copy(long srcAddress, long dstAddress, long bytes) {
        if (bytes <= SMALL_COPY) {
            copySmall(srcAddress, dstAddress, bytes);
            return;
        }
        while (bytes > 0) {
            long n = Math.min(bytes, COPY_CHUNK);
            UNSAFE.copyMemory(srcAddress, dstAddress, n);
            srcAddress += n;
            dstAddress += n;
            bytes -= n;
        }
    }

    private static void copySmall(long src, long dst, long bytes) {
        long i = 0;
        for (; i + Long.BYTES <= bytes; i += Long.BYTES) {
            UNSAFE.putLong(dst + i, UNSAFE.getLong(src + i));
        }
        for (; i < bytes; i += Float.BYTES) {
            UNSAFE.putInt(dst + i, UNSAFE.getInt(src + i));
        }
    }

    static void zero(long address, long bytes) {
        if (bytes <= SMALL_COPY) {
            long i = 0;
            for (; i + Long.BYTES <= bytes; i += Long.BYTES) {
                UNSAFE.putLong(address + i, 0L);
            }
            for (; i < bytes; i += Float.BYTES) {
                UNSAFE.putInt(address + i, 0);
            }
            return;
        }
        while (bytes > 0) {
            long n = Math.min(bytes, COPY_CHUNK);
            UNSAFE.setMemory(address, n, (byte) 0);
            address += n;
            bytes -= n;
        }
    }

    static void copyFromArray(float[] src, int srcOffset, long dstAddress, int length) {
        UNSAFE.copyMemory(src, Unsafe.ARRAY_FLOAT_BASE_OFFSET + (long) srcOffset * Float.BYTES, null, dstAddress,
                (long) length * Float.BYTES);
    }

    static void copyToArray(long srcAddress, float[] dst, int dstOffset, int length) {
        UNSAFE.copyMemory(null, srcAddress, dst, Unsafe.ARRAY_FLOAT_BASE_OFFSET + (long) dstOffset * Float.BYTES,
                (long) length * Float.BYTES);
    }

    /** {@code dst[i] += src[i]} for {@code length} floats. */
    static void addInto(long dstAddress, long srcAddress, int length) {
        for (int i = 0; i < length; i++) {
            long d = dstAddress + (long) i * Float.BYTES;
            UNSAFE.putFloat(d, UNSAFE.getFloat(d) + UNSAFE.getFloat(srcAddress + (long) i * Float.BYTES));
        }
    }
}
