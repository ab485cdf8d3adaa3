package org.sparkmec.engine.model;

/**
 * A problem in a model file. The message reads {@code <source>:<line>: <what is wrong>}, e.g.
 * {@code conf/models/lenet.conf:14: layer conv2: kernel 5x5 larger than input 4x4 (padding 0) ...}.
 */
public final class ModelFileException extends IllegalArgumentException {
    private final String source;
    private final int line;

    ModelFileException(String source, int line, String detail, Throwable cause) {
        super(source + (line > 0 ? ":" + line : "") + ": " + detail, cause);
        this.source = source;
        this.line = line;
    }

    /** The file path (or the description given to {@link ModelFile#parse}). */
    public String source() {
        return source;
    }

    /** The 1-based line the problem is reported at, or -1 when no line applies (e.g. a missing file). */
    public int line() {
        return line;
    }
}
