package org.sparkmec.engine.backend;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The compute backends, as named in configuration ({@code spark.mec.backend}). */
public enum BackendKind {
    /** CUDA if usable, else CPU (the reason is logged). */
    AUTO,
    /** Host CPU through OpenBLAS. */
    CPU,
    /** NVIDIA GPU through JCuda and cuBLAS. */
    CUDA;

    /** Parses a configuration value ({@code auto|cpu|cuda}, case-insensitive). */
    public static BackendKind parse(String value) {
        for (BackendKind k : values()) {
            if (k.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + value + "'; expected one of "
                + Arrays.stream(values()).map(BackendKind::configName).collect(Collectors.joining("|")));
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
