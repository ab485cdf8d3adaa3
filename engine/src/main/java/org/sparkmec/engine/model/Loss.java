package org.sparkmec.engine.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The training loss, as written in model files. */
public enum Loss {
    /**
     * Softmax over the last dense layer's outputs (the logits, one per class) followed by cross-entropy with the
     * integer label; the loss of a batch is the mean over its samples.
     */
    SOFTMAX_CROSS_ENTROPY;

    /** The loss of a model file that names none. */
    public static final Loss DEFAULT = SOFTMAX_CROSS_ENTROPY;

    /**
     * Parses a name such as {@code softmax-cross-entropy}, case-insensitive.
     *
     * @throws IllegalArgumentException naming the value and the known losses
     */
    public static Loss parse(String value) {
        String text = value == null ? "" : value.trim();
        for (Loss loss : values()) {
            if (loss.configName().equalsIgnoreCase(text)) {
                return loss;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + value + "'; expected one of " + allowed());
    }

    /** The known names, separated by {@code |}. */
    public static String allowed() {
        return Arrays.stream(values()).map(Loss::configName).collect(Collectors.joining("|"));
    }

    /** Lower case with hyphens: {@code softmax-cross-entropy}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
