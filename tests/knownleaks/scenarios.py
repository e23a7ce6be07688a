"""The known-leak scenarios: which real jars (Maven coordinates, exact versions), bundled in the
job jar (bundle) or on the host class path like Flink's lib/ (lib), which job class runs, how,
and how many of the --count loaders must leak (a number, or a function of the JDK's feature
release) in the leak run and in the fixed run."""

KAFKA = "org.apache.kafka:kafka-clients:3.4.0"

SCENARIOS = {
    "kafka-producer": dict(src="kafka", bundle=[KAFKA], job="job.KafkaProducerJob", leaks=2),
    "kafka-consumer": dict(src="kafka", bundle=[KAFKA], job="job.KafkaConsumerJob", leaks=2),
}

HADOOP_OLD = "org.apache.hadoop:hadoop-common:3.3.6"   # before HADOOP-19049
HADOOP_NEW = "org.apache.hadoop:hadoop-common:3.4.1"   # HADOOP-19049 (3.4.0+): the cleaner's TCCL is null


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

SCENARIOS.update({
    # Hadoop in lib/, classloader.check-leaked-classloader: false (the job's thread has the job's
    # loader as its context class loader): the first job's FileSystem use starts the cleaner
    # thread, which keeps it (HADOOP-19049).
    "hadoop-cleaner-lib": dict(src="hadoop", lib=[HADOOP_OLD], host=PROCESS_HOST + HADOOP_HOST,
                               safety_net=False, job="job.HadoopFsJob", leaks=1, jdk_max=21),
    # The same with Flink's default SafetyNet: the cleaner's context class loader is the empty
    # wrapper, but on JDK <= 23 the thread inherits the job's AccessControlContext (FLINK-25023);
    # also with 3.4.1, which clears the cleaner's context class loader (HADOOP-19049).
    "hadoop-acc-lib": dict(src="hadoop", lib=[HADOOP_OLD], host=PROCESS_HOST + HADOOP_HOST,
                           job="job.HadoopFsJob", leaks=upto23(1), jdk_max=21),
    "hadoop-acc-lib-3.4.1": dict(src="hadoop", lib=[HADOOP_NEW], host=PROCESS_HOST + HADOOP_HOST,
                                 job="job.HadoopFsJob", leaks=upto23(1), jdk_max=21),
    # Hadoop in lib/, first used by a job (no HadoopModule, e.g. a Hadoop-free Flink with Hadoop
    # added for a connector): Shell's static initialiser keeps WINUTILS_FAILURE, an exception
    # whose backtrace holds the classes on the job's stack. Fixed: Hadoop initialised at start-up.
    "hadoop-shell-static-exception": dict(src="hadoop", lib=[HADOOP_OLD], host=PROCESS_HOST,
                                          job="job.HadoopUgiJob", leaks=1, jdk_max=21,
                                          fixed=dict(host=PROCESS_HOST + HADOOP_HOST)),
    # Hadoop bundled in the job jar (shaded connectors): every job's copy registers
    # ShutdownHookManager's JVM hook and starts its own cleaner thread.
    "hadoop-bundled": dict(src="hadoop", bundle=[HADOOP_OLD], job="job.HadoopFsJob", leaks=2,
                           host=PROCESS_HOST, jvm=["--add-opens=java.base/java.lang=ALL-UNNAMED"],
                           jdk_max=21),
    "hadoop-reflection-cache": dict(src="hadoop", lib=[HADOOP_OLD], job="job.HadoopCodecJob",
                                    leaks=2),
})

AWS_V1 = "com.amazonaws:aws-java-sdk-s3:1.12.700"
JACKSON = "com.fasterxml.jackson.core:jackson-databind:2.15.4"
MYSQL = "com.mysql:mysql-connector-j:8.0.33"
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

SCENARIOS.update({
    # The SDK's HTTP connection managers have finalizers: settle (collect, finalize) before the
    # exit verdict, which otherwise may see a loader held only by objects awaiting finalization
    # (a verdict defect, reported). On JDK 18+ reflection goes through method handles; on JDK 25
    # the agent reports a LambdaForm$DMH hidden class (whose static field holds the job's class)
    # as the holder instead of the MBean (a verdict defect, reported): that path is not recorded.
    "aws-v1-reaper": dict(src="aws", bundle=[AWS_V1], job="job.AwsReaperJob", leaks=2,
                          settle=True),
    "aws-v1-metrics-mbean": dict(src="aws", bundle=[AWS_V1], job="job.AwsMetricsJob", leaks=2,
                                 settle=True, record_jdk_max=17),
    "jackson-typefactory-lib": dict(src="jackson", lib=[JACKSON], job="job.JacksonJob", leaks=2),
    "mysql-driver": dict(src="mysql", bundle=[MYSQL], job="job.MysqlDriverJob", leaks=2),
    # the driver registered, its cleanup thread stopped
    "mysql-driver-registered": dict(src="mysql", bundle=[MYSQL], job="job.MysqlRegisteredJob",
                                    leaks=2),
    "slf4j-jul-bridge": dict(src="slf4j", lib=[SLF4J], bundle=[JUL_TO_SLF4J],
                             exclude=["org.slf4j:slf4j-api"], job="job.JulBridgeJob", leaks=2),
    "log4j2-shutdown-hook": dict(src="log4j", bundle=[LOG4J], job="job.Log4jJob", leaks=2),
    # the first job's class stays in the cache (and serves the later jobs)
    "avro-specificdata-lib": dict(src="avro", lib=[AVRO], job="job.AvroJob", leaks=1),
    # "BC" is added once: the first job's provider stays (and serves the later jobs)
    "bouncycastle-provider": dict(src="bc", bundle=[BCPROV], job="job.BouncyCastleJob", leaks=1),
    # Netty in lib/: the first job that touches GlobalEventExecutor is pinned; its thread ends
    # after a second without tasks (--sleep). 4.1.118 replaces the exception's stack trace
    # (ThrowableUtil.unknownStackTrace) but Throwable.backtrace still holds the frames' classes.
    # Fixed: GlobalEventExecutor initialised from host code.
    "netty-global-executor-lib": dict(src="netty", lib=[NETTY_OLD], job="job.NettyGlobalExecutorJob",
                                      leaks=1, sleep=2500,
                                      fixed=dict(host=["--init", "io.netty.util.concurrent.GlobalEventExecutor"])),
    "netty-global-executor-lib-4.1.118": dict(src="netty", lib=[NETTY_NEW],
                                              job="job.NettyGlobalExecutorJob", leaks=1, sleep=2500,
                                              fixed=dict(host=["--init", "io.netty.util.concurrent.GlobalEventExecutor"])),
    "netty-threadlocal": dict(src="netty_tl", bundle=[NETTY_BUFFER], job="job.NettyThreadLocalJob",
                              thread="pool", leaks=2),
    "h2-database-not-closed": dict(src="h2", bundle=[H2], job="job.H2Job", leaks=2),
    # Jackson's BufferRecycler stays on the pool thread too, behind a SoftReference: the agent
    # calls such a loader leaked (with no path), although a collection that clears soft
    # references (one runs before any Metaspace OutOfMemoryError) frees it -- a verdict defect,
    # reported. SoftRefLRUPolicyMSPerMB=0 clears them in every collection.
    "beam-deserialization-context": dict(src="beam", bundle=[BEAM_OLD], job="job.BeamOptionsJob",
                                         thread="pool", leaks=2, fixed=dict(bundle=[BEAM_NEW]),
                                         jvm=SOFT),
})

POSTGRES = "org.postgresql:postgresql:42.7.3"

SCENARIOS.update({
    # The driver's cleaner thread ends after pgjdbc.config.cleanup.thread.ttl ms without open
    # connections (30 s by default): shortened so that the fixed run ends without it.
    "postgresql-connection-not-closed": dict(src="postgres", bundle=[POSTGRES], job="job.PostgresJob",
                                    host=["--fake-postgres"], leaks=2, sleep=2000,
                                    jvm=["-Dpgjdbc.config.cleanup.thread.ttl=300"]),
})
