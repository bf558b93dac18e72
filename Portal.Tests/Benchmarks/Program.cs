namespace Portal.Tests.Benchmarks;

/// <summary>
/// The test project's entry point, for benchmarks (<c>dotnet run --project Portal.Tests -c Release -- upload-benchmark</c>).
/// Test runners never call it: vstest loads the assembly into its own test host.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["upload-benchmark", .. var rest])
        {
            if (UploadBenchmarkOptions.TryParse(rest, out var options, out var error))
            {
                return await UploadBenchmark.RunAsync(options);
            }

            await Console.Error.WriteLineAsync(error);
        }

        if (args is ["list-benchmark", .. var listArgs])
        {
            if (ListBenchmarkOptions.TryParse(listArgs, out var listOptions, out var listError))
            {
                return await ListScaleBenchmark.RunAsync(listOptions);
            }

            await Console.Error.WriteLineAsync(listError);
        }

        if (args is ["scale-demo", .. var demoArgs])
        {
            if (ScaleDemo.ScaleDemoOptions.TryParse(demoArgs, out var demo, out var demoError))
            {
                return await ScaleDemo.ScaleDemo.RunAsync(demo.PortalFolder, demo.FirstPort);
            }

            await Console.Error.WriteLineAsync(demoError);
        }

        await Console.Error.WriteLineAsync("""
            Usage: dotnet run --project Portal.Tests -c Release -- <benchmark> [options]

            Benchmarks:
              upload-benchmark [--size-gib 2] [--rounds 3] [--only decompress|parallel|import|objectstore|glance|circuits]
                  Uploads a file of random data to PUT /image/v2/images/{id}/file with curl (real HTTP on loopback)
                  and compares the throughput with cp, md5sum and sha512sum of the same file run concurrently;
                  then downloads it with curl from GET /image/v2/images/{id}/file into /dev/null and compares with
                  socat sending the stored file over loopback into socat writing /dev/null. Reports the server's
                  memory growth during both. Needs curl, cmp, socat (Debian: apt-get install socat; without it the
                  download leg is skipped) and coreutils (cp, md5sum, sha512sum, dd, sync).
                  Last, a disk of the same size (half random, half base64 text) compressed with zstd -3 is uploaded
                  with X-Portal-Decompress: true and compared with the plain upload of the disk (needs zstd);
                  --only decompress runs that leg alone.
                  Then the legs of issue 14, each with a portal of its own and its own sizes (--size-gib overrides them):
                  --only parallel   8 concurrent 256 MiB uploads of one account vs one alone (aggregate ≥ 0.8 ×)
                  --only import     URL import of 1 GiB from a loopback server vs curl | tee >(md5sum) >(sha512sum) (≥ 0.9 ×)
                  --only objectstore  curl upload of 1 GiB into the portal on a Swift it starts (s3api) vs swift upload
                                    of the same file to the same Swift (≥ 0.8 ×); needs Debian's swift servers and client
                  --only glance     Debian's glance-api (installed with apt-get when missing, as root) and the portal,
                                    curl upload of 2 GiB to each (portal ≥ 1.5 ×), CPU-seconds per GiB of both
                  --only circuits   50 Chromium pages paging the Images page while 4 uploads run (zero errors)
                  ./benchmark.sh [options] installs the prerequisites first (curl, socat, zstd, chromium, glance-api).

              list-benchmark [--images 100000] [--small 100] [--rounds 5] [--database sqlite|postgresql]
                  Seeds one account with --images images and another with --small straight into the database of a
                  fresh portal, then compares the two in headless Chromium (/usr/bin/chromium): the Images page's
                  Private images tab, from navigation to the first page's rows, and a turn to the next page; and the
                  Image API's GET /image/v2/images?limit=25 and the page after its marker, with a token of each.
                  Target: the large account within 2 × the small one. --database postgresql needs the portal's
                  PostgreSQL settings (Portal__Database__... in the environment).

            The scaled-out setup (PostgreSQL, Swift and two portal instances on loopback; what ./scale-demo.sh runs):
              scale-demo [--portal Portal] [--port 5101]

            Run the tests with: dotnet test Portal.sln
            """);
        return 2;
    }
}
