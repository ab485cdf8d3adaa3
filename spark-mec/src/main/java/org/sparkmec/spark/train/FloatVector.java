package org.sparkmec.spark.train;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A flat vector of floats (weights or gradients in {@code ParameterVector} order) as it travels between
 * the training workers and the driver: raw little-endian IEEE 754 floats, 4 bytes each, or bfloat16 values
 * ({@link #bf16}), 2 bytes each, written in bulk as one {@code byte[]}, never float by float as Java
 * serialization writes a {@code float[]}.
 *
 * <p>Within one JVM (local mode) Spark's plugin RPC hands the object over by reference and nothing is
 * encoded. Between JVMs the encoding is made once per instance and kept, so one weights vector sent in W
 * replies is encoded once, not W times. The array must not be modified after the vector is handed to the
 * RPC; {@link #values()} returns it without copying.
 *
 * <p>Thread-safety: immutable once handed over; the cached encoding is safe to build from several threads.
 */
public final class FloatVector implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private transient float[] values;
    private transient volatile byte[] encoded;
    /** Whether every value is a bfloat16 (low 16 bits zero) and travels as one: 2 bytes instead of 4. */
    private final boolean bf16;

    /** Wraps {@code values} without copying them (float32 on the wire). */
    public FloatVector(float[] values) {
        this(values, false);
    }

    private FloatVector(float[] values, boolean bf16) {
        if (values == null) {
            throw new IllegalArgumentException("a FloatVector needs an array, got null");
        }
        this.values = values;
        this.bf16 = bf16;
    }

    /**
     * Rounds {@code values} to bfloat16 in place (nearest, ties to even) and wraps them: 2 bytes per value on the
     * wire, and the values the receiver sees equal the rounded ones here, in any JVM.
     */
    public static FloatVector bf16(float[] values) {
        Bf16.roundInPlace(values);
        return new FloatVector(values, true);
    }

    /** Whether the values travel as bfloat16. */
    public boolean isBf16() {
        return bf16;
    }

    /** The values (not a copy; do not modify). */
    public float[] values() {
        return values;
    }

    public int length() {
        return values.length;
    }

    /** Bytes of the payload on the wire: 4 per float, 2 per bfloat16. */
    public long payloadBytes() {
        return (long) bytesPerValue() * values.length;
    }

    private int bytesPerValue() {
        return bf16 ? 2 : 4;
    }

    /** The values as little-endian bytes (floats, or the top halves of bfloat16 values), made once and kept. */
    byte[] encoded() {
        byte[] e = encoded;
        if (e == null) {
            e = new byte[values.length * bytesPerValue()];
            ByteBuffer buffer = ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN);
            if (bf16) {
                Bf16.putTopHalves(buffer, values, 0, values.length);
            } else {
                buffer.asFloatBuffer().put(values);
            }
            encoded = e;
        }
        return e;
    }

    /** Decodes {@code bytes} (little-endian floats, or bfloat16 values when {@code bf16}) into a new array. */
    static float[] decode(byte[] bytes, boolean bf16) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bf16) {
            float[] v = new float[bytes.length / 2];
            for (int i = 0; i < v.length; i++) {
                v[i] = Bf16.toFloat(buffer.getShort(2 * i));
            }
            return v;
        }
        float[] v = new float[bytes.length / 4];
        buffer.asFloatBuffer().get(v);
        return v;
    }

    @Serial
    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        // As one byte[] object: written in bulk, without the block headers of ObjectOutputStream.write.
        out.writeObject(encoded());
    }

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (!(in.readObject() instanceof byte[] bytes) || bytes.length % bytesPerValue() != 0) {
            throw new InvalidObjectException("a FloatVector's payload must be a byte[] of whole "
                    + (bf16 ? "bfloat16 values" : "floats"));
        }
        values = decode(bytes, bf16);
    }
}
