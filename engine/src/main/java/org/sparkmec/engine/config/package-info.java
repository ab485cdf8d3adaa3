/**
 * Typed configuration, a leaf: {@link org.sparkmec.engine.config.ConfigEntry} (key, doc, default, validator)
 * and {@link org.sparkmec.engine.config.ConfigEnums} (enum values by their configuration names). The engine's
 * keys are declared once in {@link org.sparkmec.engine.runtime.EngineConf}, the training keys in
 * {@code org.sparkmec.engine.train.TrainConf}.
 */
package org.sparkmec.engine.config;
