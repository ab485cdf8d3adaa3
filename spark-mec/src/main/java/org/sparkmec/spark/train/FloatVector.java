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
 * the training workers and the driver: raw little-endian IEEE 754 floats, 4 bytes each, written in bulk as
 * one {@code byte[]}, never float by float as Java serialization writes a {@code float[]}.
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

    /** Wraps {@code values} without copying them. */
    public FloatVector(float[] values) {
        if (values == null) {
            throw new IllegalArgumentException("a FloatVector needs an array, got null");
        }
        this.values = values;
    }

    /** The values (not a copy; do not modify). */
    public float[] values() {
        return values;
    }

    public int length() {
        return values.length;
    }

    /** Bytes of the payload on the wire: 4 per float. */
    public long payloadBytes() {
        return 4L * values.length;
    }

    /** The values as little-endian bytes, made on the first call and kept. */
    byte[] encoded() {
        byte[] e = encoded;
        if (e == null) {
            e = new byte[values.length * 4];
            ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
            encoded = e;
        }
        return e;
    }

    /** Decodes {@code bytes} (little-endian floats) into a new array. */
    static float[] decode(byte[] bytes) {
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
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
        if (!(in.readObject() instanceof byte[] bytes) || bytes.length % 4 != 0) {
            throw new InvalidObjectException("a FloatVector's payload must be a byte[] of whole floats");
        }
        values = decode(bytes);
    }
}
