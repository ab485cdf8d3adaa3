package org.sparkmec.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.bench.LayerSetFile;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.shape.ConvGeometry;

/**
 * Shared set-up of the JMH benchmarks: the engine's configured backend (spark.mec.* system properties
 * override the defaults), and a layer of the paper's set at batch 32 (override with -Dmec.batch).
 * The layer-set file is read from {@code conf/layers/cv.layers} relative to the working
 * directory, or from {@code -Dmec.layerSet}.
 */
final class LayerState {
    private LayerState() {
    }

    static Backend backend() {
        java.util.Map<String, String> settings = new java.util.HashMap<>();
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith(EngineConf.PREFIX)) {
                settings.put(key, System.getProperty(key));
            }
        }
        settings.putIfAbsent(EngineConf.BACKEND.key(), "cpu");
        return Backends.create(EngineConf.from(settings));
    }

    static ConvGeometry layer(String name) {
        Path file = Path.of(System.getProperty("mec.layerSet", "conf/layers/cv.layers"));
        int batch = Integer.getInteger("mec.batch", 32);
        try {
            return LayerSetFile.read(file).select(List.of(name)).get(0).atBatch(batch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
