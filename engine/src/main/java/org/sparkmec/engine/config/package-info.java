/**
 * Typed configuration: every {@code spark.mec.*} key of the engine is a
 * {@link org.sparkmec.engine.config.ConfigEntry} (key, doc, default, validator) declared once in
 * {@link org.sparkmec.engine.config.EngineConf}.
 */
package org.sparkmec.engine.config;
