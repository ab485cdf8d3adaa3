/**
 * Entry points of {@code ./mec} and spark-submit: command-line parsing (picocli) wired to the engine
 * and Spark APIs; no algorithm lives here.
 */
package org.sparkmec.jobs;
