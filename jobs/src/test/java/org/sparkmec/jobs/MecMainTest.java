package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code mec --version} prints the build's version, the one the root pom.xml declares (no literal in the code). */
class MecMainTest {
    @Test
    void versionIsTheBuildsVersion() throws Exception {
        String pom = Files.readString(Path.of("..", "pom.xml"));
        int at = pom.indexOf("<version>");
        String version = pom.substring(at + "<version>".length(), pom.indexOf("</version>", at));
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exit(), run.err());
        assertEquals("spark-mec " + version, run.out().strip());
        assertTrue(!version.isBlank() && !version.contains("$"), version);
    }
}
