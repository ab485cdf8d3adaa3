package org.sparkmec.engine.shape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Same padding: {@code o = ceil(i / s)} through the engine's output formula, for every small case. */
class SamePaddingTest {

    @Test
    void givesCeilOfInputOverStrideForEverySmallCase() {
        for (int i = 1; i <= 40; i++) {
            for (int k = 1; k <= 7; k++) {
                for (int s = 1; s <= 4; s++) {
                    if (s == 1 && k % 2 == 0) {
                        continue;
                    }
                    int p = SamePadding.of(i, k, s);
                    String at = "i=" + i + " k=" + k + " s=" + s + " p=" + p;
                    assertTrue(k <= i + 2 * p, "the window fits the padded input: " + at);
                    assertEquals((i + s - 1) / s, (i + 2 * p - k) / s + 1, at);
                    int total = Math.max(((i + s - 1) / s - 1) * s + k - i, 0);
                    assertEquals((total + 1) / 2, p, "ceil(total / 2): " + at);
                }
            }
        }
    }

    @Test
    void matchesTorchvisionResNetPadding() {
        assertEquals(3, SamePadding.of(224, 7, 2), "conv1 7x7/2");
        assertEquals(1, SamePadding.of(112, 3, 2), "max pooling 3x3/2");
        assertEquals(1, SamePadding.of(56, 3, 1), "3x3/1");
        assertEquals(0, SamePadding.of(56, 1, 2), "1x1/2 projection");
    }

    @Test
    void refusesAnEvenKernelAtStrideOneNamingWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SamePadding.of(8, 4, 1));
        assertEquals("same padding for kernel 4 at stride 1 needs 3 rows or columns of padding, an odd number: that is"
                + " asymmetric padding, which the engine does not support; use an odd kernel or give the padding as"
                + " numbers", e.getMessage());
    }
}
