package org.sparkmec.spark.train;

import java.nio.ByteBuffer;

/**
 * bfloat16 conversions for gradients on the wire: a bfloat16 is the top 16 bits of a float32 (sign, 8 exponent
 * bits, 7 mantissa bits). Rounding is to nearest, ties to even; infinities stay, NaNs stay NaN (quiet), and
 * finite values that round past the largest bfloat16 become infinities, as in IEEE 754.
 */
final class Bf16 {
    private Bf16() {
    }

    /** {@code x} rounded to the nearest bfloat16, as a float (its low 16 bits zero). */
    static float round(float x) {
        return Float.intBitsToFloat(bits(x) << 16);
    }

    /** The bfloat16 nearest to {@code x}, as its 16 bits in the low half of an int. */
    static int bits(float x) {
        int b = Float.floatToRawIntBits(x);
        if ((b & 0x7f800000) == 0x7f800000) {
            // Infinity as is; NaN kept NaN and quiet (a payload in the low bits alone would truncate to infinity).
            return (b & 0x007fffff) == 0 ? b >>> 16 : (b >>> 16) | 0x0040;
        }
        return (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    }

    /** The float whose top 16 bits are {@code bf16} (the low 16 bits of the argument). */
    static float toFloat(int bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }

    /**
     * Writes {@code values[from, from + length)}, bfloat16 values already (low 16 bits zero), as their top halves
     * (2 bytes each, in {@code out}'s byte order) at {@code out}'s position, which it advances.
     */
    static void putTopHalves(ByteBuffer out, float[] values, int from, int length) {
        for (int i = from; i < from + length; i++) {
            out.putShort((short) (Float.floatToRawIntBits(values[i]) >>> 16));
        }
    }

    /** Rounds every element of {@code values} to bfloat16 in place. */
    static void roundInPlace(float[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = round(values[i]);
        }
    }
}
