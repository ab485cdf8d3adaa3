package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The session settings SparkApplication adds for a master. */
class SparkApplicationTest {
    private static final String CLASS_PATH = "spark.executor.extraClassPath";

    @Test
    void localClusterExecutorsGetThisJvmsClassPathMadeAbsolute() {
        Map<String, String> s = SparkApplication.sessionSettings("local-cluster[2,1,1024]", Map.of(), Map.of(), Map.of());
        String classPath = s.get(CLASS_PATH);
        assertEquals(SparkApplication.absoluteClassPath(System.getProperty("java.class.path")), classPath);
        for (String entry : classPath.split(File.pathSeparator)) {
            assertTrue(Path.of(entry).isAbsolute(), entry);
        }
        assertEquals("127.0.0.1", s.get("spark.driver.host"));
        assertEquals(String.join(File.pathSeparator, Path.of("a.jar").toAbsolutePath().toString(), "/b/c.jar"),
                SparkApplication.absoluteClassPath("a.jar" + File.pathSeparator + "/b/c.jar"));
    }

    @Test
    void otherMastersAndAGivenClassPathAreLeftAlone() {
        assertFalse(SparkApplication.sessionSettings("local[2]", Map.of(), Map.of(), Map.of()).containsKey(CLASS_PATH));
        assertEquals("/mine.jar", SparkApplication.sessionSettings("local-cluster[2,1,1024]", Map.of(),
                Map.of(CLASS_PATH, "/mine.jar"), Map.of()).get(CLASS_PATH));
    }
}
