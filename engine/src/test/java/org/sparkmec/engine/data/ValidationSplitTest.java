package org.sparkmec.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The seeded validation split: its size, disjointness, reproducibility and the sets it cuts. */
class ValidationSplitTest {

    @Test
    void holdsOutRoundedFractionDisjointAndCovering() {
        ValidationSplit split = ValidationSplit.of(1001, 0.1, 7);
        int[] held = split.validationIndices();
        int[] kept = split.trainIndices();
        assertEquals(100, held.length, "round(0.1 * 1001)");
        assertEquals(901, kept.length);
        int[] all = IntStream.concat(Arrays.stream(held), Arrays.stream(kept)).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 1001).toArray(), all, "disjoint and covering");
        assertTrue(isAscending(held) && isAscending(kept), "both parts keep data order");
        for (int i : held) {
            assertTrue(split.isValidation(i));
        }
        for (int i : kept) {
            assertFalse(split.isValidation(i));
        }
        assertTrue(held[held.length - 1] > 900 && held[0] < 100, "spread over the data, not its first images: "
                + held[0] + ".." + held[held.length - 1]);
    }

    @Test
    void seededReproducibleAndUnlikeTheTrainingOrder() {
        assertArrayEquals(ValidationSplit.of(500, 0.2, 3).validationIndices(),
                ValidationSplit.of(500, 0.2, 3).validationIndices(), "same seed, same split");
        assertFalse(Arrays.equals(ValidationSplit.of(500, 0.2, 3).validationIndices(),
                ValidationSplit.of(500, 0.2, 4).validationIndices()), "another seed, another split");
        int[] firstShuffled = Arrays.copyOf(EpochOrder.shuffled(500, 3, 0), 100);
        Arrays.sort(firstShuffled);
        assertFalse(Arrays.equals(firstShuffled, ValidationSplit.of(500, 0.2, 3).validationIndices()),
                "not the images epoch 0 visits first");
    }

    @Test
    void cutsLabeledImagesIntoBothParts() {
        int n = 10;
        float[] pixels = new float[n * 2];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            pixels[2 * i] = i;
            pixels[2 * i + 1] = -i;
            labels[i] = i % 3;
        }
        LabeledImages data = new LabeledImages("d", 1, 2, 1, pixels, labels, 3);
        ValidationSplit split = ValidationSplit.of(n, 0.3, 1);
        LabeledImages held = split.heldOut(data);
        LabeledImages kept = split.training(data);
        assertEquals(3, held.size());
        assertEquals(7, kept.size());
        assertEquals("d validation", held.name());
        int[] heldIdx = split.validationIndices();
        for (int j = 0; j < heldIdx.length; j++) {
            assertArrayEquals(data.image(heldIdx[j]), held.image(j));
            assertEquals(data.label(heldIdx[j]), held.label(j));
        }
    }

    @Test
    void refusesFractionsThatLeaveAPartEmpty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ValidationSplit.of(100, 0.95, 1));
        assertEquals("validation fraction must be in (0, 0.9], got 0.95", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ValidationSplit.of(4, 0.1, 1));
        assertEquals("a validation fraction of 0.1 of 4 training images holds out 0; both the validation and the "
                + "training part need at least one image", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ValidationSplit.of(10, 0, 1));
    }

    private static boolean isAscending(int[] a) {
        for (int i = 1; i < a.length; i++) {
            if (a[i] <= a[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
