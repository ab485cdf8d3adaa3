package org.sparkmec.engine.data;

import java.util.Arrays;
import java.util.BitSet;

/**
 * A seeded split of {@code n} training examples into a validation part, held out and evaluated after every
 * epoch, and the part that is trained on.
 *
 * <p>Rule: {@code k = round(fraction * n)} examples are held out, those at the first {@code k} positions of
 * {@link EpochOrder#shuffled}{@code (n, seed ^ SEED_SALT, 0)}; the salt keeps the split unrelated to the
 * training order of the same seed. Both parts keep the examples' original order (ascending positions), and
 * the parts are disjoint and cover all {@code n}. The split depends only on (n, fraction, seed), so the Spark
 * trainer and the in-process trainer hold out the same examples. Immutable.
 */
public final class ValidationSplit implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** The largest fraction that may be held out (the rest must still train). */
    public static final double MAX_FRACTION = 0.9;
    private static final long SEED_SALT = 0x5EEDFACE_C0FFEE11L;

    private final int examples;
    private final BitSet validation;
    private final int validationCount;

    private ValidationSplit(int examples, BitSet validation) {
        this.examples = examples;
        this.validation = validation;
        this.validationCount = validation.cardinality();
    }

    /**
     * The split of {@code n} examples holding out {@code fraction} of them.
     *
     * @throws IllegalArgumentException if {@code fraction} is outside {@code (0, MAX_FRACTION]} or either part
     *                                  would be empty (naming n and the fraction)
     */
    public static ValidationSplit of(int n, double fraction, long seed) {
        if (!(fraction > 0) || fraction > MAX_FRACTION) {
            throw new IllegalArgumentException("validation fraction must be in (0, " + MAX_FRACTION + "], got " + fraction);
        }
        long k = Math.round(fraction * n);
        if (k < 1 || k >= n) {
            throw new IllegalArgumentException("a validation fraction of " + fraction + " of " + n + " training images "
                    + "holds out " + k + "; both the validation and the training part need at least one image");
        }
        int[] order = EpochOrder.shuffled(n, seed ^ SEED_SALT, 0);
        BitSet held = new BitSet(n);
        for (int i = 0; i < k; i++) {
            held.set(order[i]);
        }
        return new ValidationSplit(n, held);
    }

    /** Examples split. */
    public int examples() {
        return examples;
    }

    /** Whether example {@code i} is held out for validation. */
    public boolean isValidation(long i) {
        if (i < 0 || i >= examples) {
            throw new IndexOutOfBoundsException("example " + i + " outside [0, " + examples + ")");
        }
        return validation.get((int) i);
    }

    /** The held-out positions, ascending. */
    public int[] validationIndices() {
        return validation.stream().toArray();
    }

    /** The positions trained on, ascending. */
    public int[] trainIndices() {
        int[] out = new int[examples - validationCount];
        int j = 0;
        for (int i = validation.nextClearBit(0); i < examples; i = validation.nextClearBit(i + 1)) {
            out[j++] = i;
        }
        return out;
    }

    /** {@code data} without the held-out examples, named {@code data.name()}; {@code data} must have {@link #examples()}. */
    public LabeledImages training(LabeledImages data) {
        return data.select(trainIndices(), data.name());
    }

    /** The held-out examples of {@code data}, named {@code data.name() + " validation"}. */
    public LabeledImages heldOut(LabeledImages data) {
        return data.select(validationIndices(), data.name() + " validation");
    }

    @Override
    public String toString() {
        return "ValidationSplit[" + validationCount + " of " + examples + " held out: "
                + Arrays.toString(Arrays.copyOf(validationIndices(), Math.min(5, validationCount))) + "...]";
    }
}
