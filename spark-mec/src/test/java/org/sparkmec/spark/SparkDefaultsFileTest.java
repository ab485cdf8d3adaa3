package org.sparkmec.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.config.ConfigEntry;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.TrainConf;

/** conf/spark-defaults.conf documents every engine and training key with its real default, and nothing else. */
class SparkDefaultsFileTest {

    @Test
    void listsEveryKeyWithItsDefaultAndDoc() throws IOException {
        Path file = Path.of("..", "conf", "spark-defaults.conf");
        Map<String, String> values = new LinkedHashMap<>();
        String text = Files.readString(file);
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (!t.isEmpty() && !t.startsWith("#")) {
                String[] kv = t.split("\\s+", 2);
                values.put(kv[0], kv[1].trim());
            }
        }
        assertEquals(MecSparkPlugin.CLASS_NAME, values.remove("spark.plugins"), "the plugin in " + file);
        assertEquals(MecKryoRegistrator.CLASS_NAME, values.remove("spark.kryo.registrator"), "the registrator in " + file);
        assertEquals("org.apache.spark.serializer.KryoSerializer", values.remove("spark.serializer"), "Kryo in " + file);
        List<ConfigEntry<?>> entries = new ArrayList<>(EngineConf.ENTRIES);
        entries.addAll(TrainConf.ENTRIES);
        for (ConfigEntry<?> entry : entries) {
            assertEquals(entry.defaultValue(), values.remove(entry.key()), "default of " + entry.key() + " in " + file);
            String firstDocWords = entry.doc().split("[;:(]")[0];
            assertTrue(text.contains(firstDocWords), "doc of " + entry.key() + " missing from " + file);
        }
        assertTrue(values.isEmpty(), "keys in " + file + " that the engine does not define: " + values.keySet());
        EngineConf.from(Map.of());
    }
}
