package org.sparkmec.engine.model;

/**
 * A rule of the model declaration broken, with where it was broken: the layer (by position, when known) and
 * the model-file key. Builders throw it as it is; {@link ModelFile} turns the position and key into a line.
 */
final class SpecViolation extends IllegalArgumentException {
    /** Layer position (0-based), or -1 for a model-level field or when the thrower does not know it. */
    private final int layerIndex;
    /** The key in the model file ({@link ModelKeys}), or null when the problem is the whole layer or model. */
    private final String field;

    SpecViolation(int layerIndex, String field, String message) {
        super(message);
        this.layerIndex = layerIndex;
        this.field = field;
    }

    /** A problem of layer {@code layerName}: the message reads {@code layer <name>: <detail>}. */
    static SpecViolation ofLayer(String layerName, String field, String detail) {
        return new SpecViolation(-1, field, "layer " + layerName + ": " + detail);
    }

    /** The same problem, located at layer position {@code index} (0-based). */
    SpecViolation atLayer(int index) {
        SpecViolation located = new SpecViolation(index, field, getMessage());
        located.initCause(this);
        return located;
    }

    int layerIndex() {
        return layerIndex;
    }

    String field() {
        return field;
    }
}
