package org.sparkmec.spark.data;

import java.io.Serializable;
import java.util.Objects;

/**
 * One labelled image as it crosses Spark's data plane (shuffles, caches; serialized by Kryo through
 * {@code MecKryoRegistrator}): the label and the pixels NHWC of one image, either as unsigned bytes
 * (scaled to {@code b / 255} when used) or as floats taken as they are. Exactly one of the two is set.
 *
 * <p>Not copied defensively: the arrays are the record's.
 */
public final class ImageRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int label;
    private final byte[] bytes;
    private final float[] floats;

    private ImageRecord(int label, byte[] bytes, float[] floats) {
        this.label = label;
        this.bytes = bytes;
        this.floats = floats;
    }

    /** An image of unsigned 8-bit pixels. */
    public static ImageRecord ofBytes(int label, byte[] pixels) {
        return new ImageRecord(label, Objects.requireNonNull(pixels, "pixels"), null);
    }

    /** An image of float pixels (used as given: the training normalization still applies). */
    public static ImageRecord ofFloats(int label, float[] pixels) {
        return new ImageRecord(label, null, Objects.requireNonNull(pixels, "pixels"));
    }

    public int label() {
        return label;
    }

    /** The 8-bit pixels, or null if the image holds floats. */
    public byte[] bytes() {
        return bytes;
    }

    /** The float pixels, or null if the image holds bytes. */
    public float[] floats() {
        return floats;
    }

    /** Number of pixel values (height x width x channels). */
    public int size() {
        return bytes != null ? bytes.length : floats.length;
    }

    /** Pixel {@code i} as the model sees it before normalization: {@code b / 255} for bytes. */
    public float value(int i) {
        return bytes != null ? (bytes[i] & 0xFF) / 255f : floats[i];
    }

    /** Writes the pixels ({@link #value}) into {@code dst} from {@code offset}. */
    public void copyTo(float[] dst, int offset) {
        if (floats != null) {
            System.arraycopy(floats, 0, dst, offset, floats.length);
        } else {
            for (int i = 0; i < bytes.length; i++) {
                dst[offset + i] = (bytes[i] & 0xFF) / 255f;
            }
        }
    }

    /** The pixels as a new float array ({@link #value}). */
    public float[] toFloats() {
        float[] out = new float[size()];
        copyTo(out, 0);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageRecord r && label == r.label && java.util.Arrays.equals(bytes, r.bytes)
                && java.util.Arrays.equals(floats, r.floats);
    }

    @Override
    public int hashCode() {
        return 31 * label + (bytes != null ? java.util.Arrays.hashCode(bytes) : java.util.Arrays.hashCode(floats));
    }

    @Override
    public String toString() {
        return "ImageRecord[label " + label + ", " + size() + (bytes != null ? " bytes]" : " floats]");
    }
}
