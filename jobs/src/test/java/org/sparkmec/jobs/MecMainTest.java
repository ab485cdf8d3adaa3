package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.config.ConfigEntry;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.TrainConf;

/**
 * {@code mec --version} prints the build's version, the one the root pom.xml declares, and the options' help
 * prints the typed entries' defaults (no literal copies in the code).
 */
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

    @Test
    void optionHelpPrintsTheTypedDefaults() {
        CliRun train = CliRun.of("train", "--help");
        assertEquals(0, train.exit(), train.err());
        String help = train.out().replaceAll("\\s+", " ");
        assertTrue(!help.contains("${"), help);
        for (ConfigEntry<?> e : List.of(TrainConf.EPOCHS, TrainConf.SEED, TrainConf.OPTIMIZER, TrainConf.WEIGHT_DECAY,
                TrainConf.SCHEDULE)) {
            assertTrue(help.contains(e.key() + "; default " + e.defaultValue()), e.key() + " in: " + help);
        }
        CliRun bench = CliRun.of("bench", "--help");
        assertEquals(0, bench.exit(), bench.err());
        String benchHelp = bench.out().replaceAll("\\s+", " ").replace(". ", ".");
        assertTrue(!benchHelp.contains("${"), benchHelp);
        assertTrue(benchHelp.contains("default: " + EngineConf.CPU_GEMM_PARALLELISM.defaultValue()), benchHelp);
    }
}
