package org.sparkmec.engine.backend;

import org.sparkmec.engine.config.ConfigEnums;

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
        return ConfigEnums.parse(BackendKind.class, value, "backend");
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }
}
