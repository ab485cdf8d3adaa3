package org.sparkmec.engine.model;

import java.util.regex.Pattern;

/** Field checks shared by the layer records; each failure names the layer, the field and the value. */
final class Checks {
    /** Model and layer names: they become parameter names such as {@code conv1.weight}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");
    static final String NAME_RULE = "a letter followed by letters, digits, '_' or '-'";

    private Checks() {
    }

    /** Checks a layer name; the violation is reported at the {@code name} key. */
    static void layerName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SpecViolation(-1, ModelKeys.NAME, "layer name " + quote(name) + " is not valid: use "
                    + NAME_RULE);
        }
    }

    static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    static void atLeast(String layer, String field, int value, int min) {
        if (value < min) {
            throw SpecViolation.ofLayer(layer, field, field + " must be at least " + min + ", got " + value);
        }
    }

    /** A (height, width) pair, each at least {@code min}. */
    static void pairAtLeast(String layer, String field, int h, int w, int min) {
        if (h < min || w < min) {
            throw SpecViolation.ofLayer(layer, field, field + " must be at least " + min + " in each direction, got "
                    + pair(h, w) + " (height x width)");
        }
    }

    /** A merge layer's inputs: at least two, else a violation of {@code inputs} that says how to name them. */
    static void twoOrMoreInputs(LayerSpec layer, int inputs) {
        if (inputs < 2) {
            throw SpecViolation.ofLayer(layer.name(), ModelKeys.INPUTS, layer.type().configName() + " takes at least 2"
                    + " inputs, got " + inputs + "; name them with inputs = [a, b]");
        }
    }

    static <T> T notNull(String layer, String field, T value) {
        if (value == null) {
            throw SpecViolation.ofLayer(layer, field, field + " is missing");
        }
        return value;
    }

    /** {@code 5} when both are equal, else {@code 5x3}: how stride and padding are shown. */
    static String pair(int h, int w) {
        return h == w ? Integer.toString(h) : h + "x" + w;
    }

    /** {@code 5x5}: how kernels and spatial sizes are shown. */
    static String size(long h, long w) {
        return h + "x" + w;
    }

    static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }
}
