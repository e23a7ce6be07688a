"""The known-leak scenarios. Each names:

  known    the catalogue entry (data/known-leaks.yaml) its leaks must be; None: a leak that no
           entry may claim (the unknown-leak control)
  src      the job's sources (java/jobs/<src>), job: the job class
  bundle   real jars (Maven coordinates, exact versions) merged into the job jar as maven-shade
           does; lib: real jars on the host class path, like Flink's lib/ (exclude: artifacts
           left out of both closures)
  leaks    how many of the --count (2) loaders must leak in the leak run (a number, or a
           function of the JDK's feature release); fixed_leaks likewise for the fixed run (0)
  fixed    what the fixed run changes besides --fixed (another library version, host options)
  jdk_max  the newest JDK the library runs on; split_jdk_max: the newest JDK --jdks split
           chooses for it (a defect of the agent on newer JDKs, named where it is set)
  host, jvm, thread, safety_net, sleep, settle: how kltest.Host runs it (Host.java)"""

KAFKA = "org.apache.kafka:kafka-clients:3.4.0"
HADOOP_OLD = "org.apache.hadoop:hadoop-common:3.3.6"   # before HADOOP-19049
HADOOP_NEW = "org.apache.hadoop:hadoop-common:3.4.1"   # HADOOP-19049: the cleaner's TCCL is null
AWS_V1 = "com.amazonaws:aws-java-sdk-s3:1.12.700"
JACKSON = "com.fasterxml.jackson.core:jackson-databind:2.15.4"
MYSQL = "com.mysql:mysql-connector-j:8.0.33"
POSTGRES = "org.postgresql:postgresql:42.7.3"
SLF4J = "org.slf4j:slf4j-api:1.7.36"
JUL_TO_SLF4J = "org.slf4j:jul-to-slf4j:1.7.36"
LOG4J = "org.apache.logging.log4j:log4j-core:2.17.2"
AVRO = "org.apache.avro:avro:1.11.3"
BCPROV = "org.bouncycastle:bcprov-jdk18on:1.78.1"
NETTY_OLD = "io.netty:netty-common:4.1.100.Final"
NETTY_NEW = "io.netty:netty-common:4.1.118.Final"
NETTY_BUFFER = "io.netty:netty-buffer:4.1.100.Final"
H2 = "com.h2database:h2:2.2.224"
BEAM_OLD = "org.apache.beam:beam-sdks-java-core:2.53.0"
BEAM_NEW = "org.apache.beam:beam-sdks-java-core:2.54.0"
SOFT = ["-XX:SoftRefLRUPolicyMSPerMB=0"]


def on_jdk21(n):
    """n loaders still held on JDK 21 after the fix: Executors.newSingleThreadExecutor's wrapper
    registers a Cleaner whose action holds the pool, whose thread factory is the library's (a
    class of the job); the library keeps the wrapper in a static field, so the wrapper stays
    reachable from the Cleaner through the job's loader, and shutting the pool down does not
    unregister the action there. Measured on 21.0.8 (a JDK leak the agent reports, through
    CleanerFactory.commonCleaner); on 25 the fixed run releases every loader."""
    return lambda feature: n if feature == 21 else 0


def upto23(n):
    """n leaked loaders on JDK <= 23 (Thread.inheritedAccessControlContext), none on 24+."""
    return lambda feature: n if feature <= 23 else 0


# What a Flink TaskManager with Hadoop in lib/ does before any job (and the host does the same,
# from host code, so that it captures nothing of a job): Hadoop security is installed at
# start-up (HadoopModule: UserGroupInformation, which also initialises Shell) and the first
# process is started (the JDK's "process reaper" thread keeps its creator's context class loader,
# for 60 s). ShutdownHookManager registers its JVM hook (a Thread) when first used.
HADOOP_HOST = ["--init", "org.apache.hadoop.util.ShutdownHookManager",
               "--init", "org.apache.hadoop.security.UserGroupInformation#getCurrentUser"]
PROCESS_HOST = ["--init", "kltest.Host#startProcess"]
NETTY_INIT = ["--init", "io.netty.util.concurrent.GlobalEventExecutor"]

SCENARIOS = {
    "kafka-producer": dict(
        known="kafka-client-not-closed", src="kafka", bundle=[KAFKA],
        job="job.KafkaProducerJob", leaks=2),
    "kafka-consumer": dict(
        known="kafka-client-not-closed", src="kafka", bundle=[KAFKA],
        job="job.KafkaConsumerJob", leaks=2),
    # Hadoop in lib/, classloader.check-leaked-classloader: false (the job's thread has the job's
    # loader as its context class loader): the first job's FileSystem use starts the cleaner
    # thread, which keeps it (HADOOP-19049).
    "hadoop-cleaner-lib": dict(
        known="hadoop-statistics-cleaner-context-loader", src="hadoop", lib=[HADOOP_OLD],
        host=PROCESS_HOST + HADOOP_HOST, safety_net=False, job="job.HadoopFsJob", leaks=1,
        jdk_max=21),
    # The same with Flink's default SafetyNet: the cleaner's context class loader is the empty
    # wrapper, but on JDK <= 23 the thread inherits the job's AccessControlContext (FLINK-25023);
    # also with 3.4.1, which clears the cleaner's context class loader (HADOOP-19049).
    "hadoop-acc-lib": dict(
        known="hadoop-statistics-cleaner-access-control-context", src="hadoop", lib=[HADOOP_OLD],
        host=PROCESS_HOST + HADOOP_HOST, job="job.HadoopFsJob", leaks=upto23(1), jdk_max=21),
    "hadoop-acc-lib-3.4.1": dict(
        known="hadoop-statistics-cleaner-access-control-context", src="hadoop", lib=[HADOOP_NEW],
        host=PROCESS_HOST + HADOOP_HOST, job="job.HadoopFsJob", leaks=upto23(1), jdk_max=21),
    # Hadoop in lib/, first used by a job (no HadoopModule, e.g. a Hadoop-free Flink with Hadoop
    # added for a connector): Shell's static initialiser keeps WINUTILS_FAILURE, an exception
    # whose backtrace holds the classes on the job's stack. Fixed: Hadoop initialised at start-up.
    "hadoop-shell-static-exception": dict(
        known="hadoop-shell-static-exception", src="hadoop", lib=[HADOOP_OLD], host=PROCESS_HOST,
        job="job.HadoopUgiJob", leaks=1, jdk_max=21, fixed=dict(host=PROCESS_HOST + HADOOP_HOST)),
    # Hadoop bundled in the job jar (shaded connectors): every job's copy registers
    # ShutdownHookManager's JVM hook and starts its own cleaner thread.
    # Settled: under load the fixed run's cleaner threads may still be ending at the first
    # collections of the exit verdict (a false leak without a path: the verdict defects of
    # issue 15).
    "hadoop-bundled": dict(
        known="hadoop-bundled-in-job-jar", src="hadoop", bundle=[HADOOP_OLD],
        job="job.HadoopFsJob", leaks=2, fixed_leaks=on_jdk21(2), host=PROCESS_HOST, settle=True,
        jvm=["--add-opens=java.base/java.lang=ALL-UNNAMED"], jdk_max=21),
    "hadoop-reflection-cache": dict(
        known="hadoop-reflection-utils-constructor-cache", src="hadoop", lib=[HADOOP_OLD],
        job="job.HadoopCodecJob", leaks=2),
    # The SDK's HTTP connection managers have finalizers: settle (collect, finalize) before the
    # exit verdict, which otherwise may see a loader held only by objects awaiting finalization
    # (a verdict defect, reported). On JDK 18+ reflection goes through method handles; on JDK 25
    # the agent reports a LambdaForm$DMH hidden class (whose static field holds the job's class)
    # as the holder instead of the MBean (a verdict defect, reported): that path is not recorded,
    # and the scenario runs on JDK 17 only. The same anchor makes the reaper's fixed control
    # leak now and then on JDK 25: --jdks split runs it on 17.
    "aws-v1-reaper": dict(
        known="aws-sdk-v1-idle-connection-reaper", src="aws", bundle=[AWS_V1],
        job="job.AwsReaperJob", leaks=2, settle=True, split_jdk_max=17),
    "aws-v1-metrics-mbean": dict(
        known="aws-sdk-v1-metric-admin-mbean", src="aws", bundle=[AWS_V1],
        job="job.AwsMetricsJob", leaks=2, settle=True, record_jdk_max=17, jdk_max=17),
    "jackson-typefactory-lib": dict(
        known="jackson-type-factory-cache", src="jackson", lib=[JACKSON], job="job.JacksonJob",
        leaks=2),
    "mysql-driver": dict(
        known="mysql-abandoned-connection-cleanup-thread", src="mysql", bundle=[MYSQL],
        job="job.MysqlDriverJob", leaks=2, fixed_leaks=on_jdk21(2)),
    # the driver registered, its cleanup thread stopped
    "mysql-driver-registered": dict(
        known="mysql-driver-registered", src="mysql", bundle=[MYSQL],
        job="job.MysqlRegisteredJob", leaks=2, fixed_leaks=on_jdk21(2)),
    # The driver's cleaner thread ends after pgjdbc.config.cleanup.thread.ttl ms without open
    # connections (30 s by default): shortened so that the fixed run ends without it.
    "postgresql-connection-not-closed": dict(
        known="postgresql-connection-not-closed", src="postgres", bundle=[POSTGRES],
        job="job.PostgresJob", host=["--fake-postgres"], leaks=2, sleep=2000,
        jvm=["-Dpgjdbc.config.cleanup.thread.ttl=300"]),
    "slf4j-jul-bridge": dict(
        known="slf4j-bridge-handler-installed", src="slf4j", lib=[SLF4J], bundle=[JUL_TO_SLF4J],
        exclude=["org.slf4j:slf4j-api"], job="job.JulBridgeJob", leaks=2),
    "log4j2-shutdown-hook": dict(
        known="log4j2-shutdown-callback-registry", src="log4j", bundle=[LOG4J],
        job="job.Log4jJob", leaks=2),
    # the first job's class stays in the cache (and serves the later jobs)
    "avro-specificdata-lib": dict(
        known="avro-specific-data-class-cache", src="avro", lib=[AVRO], job="job.AvroJob",
        leaks=1),
    # "BC" is added once: the first job's provider stays (and serves the later jobs)
    "bouncycastle-provider": dict(
        known="bouncycastle-security-provider", src="bc", bundle=[BCPROV],
        job="job.BouncyCastleJob", leaks=1),
    # Netty in lib/: the first job that touches GlobalEventExecutor is pinned; its thread ends
    # after a second without tasks (--sleep). 4.1.118 replaces the exception's stack trace
    # (ThrowableUtil.unknownStackTrace) but Throwable.backtrace still holds the frames' classes.
    # Fixed: GlobalEventExecutor initialised from host code.
    "netty-global-executor-lib": dict(
        known="netty-global-event-executor-stack", src="netty", lib=[NETTY_OLD],
        job="job.NettyGlobalExecutorJob", leaks=1, sleep=2500, fixed=dict(host=NETTY_INIT)),
    "netty-global-executor-lib-4.1.118": dict(
        known="netty-global-event-executor-stack", src="netty", lib=[NETTY_NEW],
        job="job.NettyGlobalExecutorJob", leaks=1, sleep=2500, fixed=dict(host=NETTY_INIT)),
    "netty-threadlocal": dict(
        known="netty-internal-thread-local-map", src="netty_tl", bundle=[NETTY_BUFFER],
        job="job.NettyThreadLocalJob", thread="pool", leaks=2),
    "h2-database-not-closed": dict(
        known="h2-database-not-closed", src="h2", bundle=[H2], job="job.H2Job", leaks=2),
    # Jackson's BufferRecycler stays on the pool thread too, behind a SoftReference: the agent
    # calls such a loader leaked (with no path), although a collection that clears soft
    # references (one runs before any Metaspace OutOfMemoryError) frees it -- a verdict defect,
    # reported. SoftRefLRUPolicyMSPerMB=0 clears them in every collection.
    "beam-deserialization-context": dict(
        known="beam-deserialization-context-thread-local", src="beam", bundle=[BEAM_OLD],
        job="job.BeamOptionsJob", thread="pool", leaks=2, fixed=dict(bundle=[BEAM_NEW]),
        jvm=SOFT),
    # The unknown-leak control: a thread of the job's own code. No entry may claim it.
    "own-thread": dict(
        known=None, src="own", job="job.OwnThreadJob", leaks=2),
}
