package org.sparkmec.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkmec.spark.train.TrainMessages.Gradients;
import org.sparkmec.spark.train.TrainMessages.GradientsAck;

/**
 * The wire format of weights and gradients: raw little-endian floats, round-tripped bit for bit; bfloat16
 * gradients: rounded to nearest even on the sender, 2 bytes each, the receiver sees the rounded values.
 */
class FloatVectorTest {

    /** Awkward length, and the values a float can hold that a lossy or per-element path would alter. */
    private static float[] values() {
        SplittableRandom rnd = new SplittableRandom(9);
        float[] v = new float[100_003];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat(rnd.nextInt());
        }
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7fc00001), 1.5f};
        System.arraycopy(special, 0, v, 0, special.length);
        return v;
    }

    private static Object roundTrip(Object message) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(message);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        }
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    @Test
    void messagesRoundTripBitForBit() throws Exception {
        float[] v = values();
        Gradients g = new Gradients("run", 2, 1, 7, new FloatVector(v), 32, 1.25, 5, 11, 13);
        Gradients back = (Gradients) roundTrip(g);
        assertArrayEquals(bits(v), bits(back.gradientSum().values()));
        assertEquals(new Gradients("run", 2, 1, 7, null, 32, 1.25, 5, 11, 13),
                new Gradients(back.runId(), back.attempt(), back.worker(), back.step(), null, back.images(),
                        back.lossSum(), back.correct(), back.computeNanos(), back.commNanos()));
        assertNull(((GradientsAck) roundTrip(new GradientsAck(null, 3))).weights());
    }

    @Test
    void encodingIsLittleEndianFloatsMadeOnce() {
        FloatVector vector = new FloatVector(new float[] {1.0f, -2.5f});
        byte[] e = vector.encoded();
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0x20, (byte) 0xc0}, e);
        assertSame(e, vector.encoded(), "a vector sent in several replies is encoded once");
        assertEquals(8, vector.payloadBytes());
        assertArrayEquals(bits(new float[] {1.0f, -2.5f}), bits(FloatVector.decode(e, false)));
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsSpecialValues() {
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1); just above goes up.
        assertEquals(1f, Bf16.round(1f + 0x1p-8f));
        assertEquals(1f + 0x1p-7f, Bf16.round(1f + 0x1p-8f + 0x1p-20f));
        // 1 + 3 x 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        assertEquals(1f + 0x1p-6f, Bf16.round(1f + 3 * 0x1p-8f));
        assertEquals(-2.5f, Bf16.round(-2.5f), "representable values stay");
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.MAX_VALUE), "past the largest bfloat16: infinity");
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.round(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Bf16.round(Float.intBitsToFloat(0x7f800001))), "a NaN with a low payload stays NaN");
        assertEquals(0x80000000, Float.floatToRawIntBits(Bf16.round(-0f)));
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(-60, 60)));
            float r = Bf16.round(x);
            assertEquals(0, Float.floatToRawIntBits(r) & 0xffff, "low half zero");
            assertTrue(Math.abs(r - x) <= Math.abs(x) * 0x1p-8f, x + " -> " + r + ": relative error at most 2^-8");
        }
    }

    @Test
    void bf16VectorsTravelInTwoBytesPerValue() throws Exception {
        float[] v = values();
        float[] expected = v.clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] = Bf16.round(expected[i]);
        }
        FloatVector vector = FloatVector.bf16(v);
        assertArrayEquals(bits(expected), bits(v), "rounded in place on the sender");
        assertEquals(2L * v.length, vector.payloadBytes());
        FloatVector back = ((Gradients) roundTrip(new Gradients("run", 0, 0, 0, vector, 1, 0, 0, 0, 0))).gradientSum();
        assertTrue(back.isBf16());
        assertArrayEquals(bits(expected), bits(back.values()), "the receiver sees the rounded values");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(FloatVector.bf16(new float[100_003]));
        }
        int overhead = bytes.size() - 2 * 100_003;
        assertTrue(overhead > 0 && overhead < 200, overhead + " bytes of overhead");
    }

    @Test
    void serializedSizeIsThePayloadPlusAConstant() throws Exception {
        for (int n : new int[] {1, 1000, 100_003}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(new FloatVector(new float[n]));
            }
            int overhead = bytes.size() - 4 * n;
            assertTrue(overhead > 0 && overhead < 200, n + " floats: " + overhead + " bytes of overhead");
        }
    }

    @Test
    void rejectsNull() {
        assertEquals("a FloatVector needs an array, got null",
                assertThrows(IllegalArgumentException.class, () -> new FloatVector(null)).getMessage());
    }
}
