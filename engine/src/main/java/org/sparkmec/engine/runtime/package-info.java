/**
 * The engine's settings and its one backend choice, above the backends and the convolution algorithms:
 * {@link org.sparkmec.engine.runtime.EngineConf} reads and validates the {@code spark.mec.*} engine keys
 * (typed {@link org.sparkmec.engine.config.ConfigEntry}s, each defined once), and
 * {@link org.sparkmec.engine.runtime.Backends} creates the backend they name (CPU, CUDA, or auto with the
 * reason for a fallback logged).
 */
package org.sparkmec.engine.runtime;
