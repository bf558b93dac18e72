using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Data;

namespace Portal.Coordination;

/// <summary>
/// Background jobs that must run once across all instances (the scrubber, the integrity check, the import queue's
/// recovery) take a lease first. Taking it is one conditional UPDATE — free, run out, or already ours — whose row count
/// says who won, so the database decides a race between instances without a lock manager of its own.
/// </summary>
public sealed class JobLeases(
    IDbContextFactory<PortalDbContext> dbFactory, PortalInstance instance, TimeProvider clock, IOptions<PortalOptions> options)
{
    public TimeSpan Duration => TimeSpan.FromSeconds(options.Value.Instances.LeaseSeconds);

    /// <summary>Takes (or renews) the job's lease for this instance; false when another live instance holds it.</summary>
    public async Task<bool> TryTakeAsync(string job, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + Duration;
        var me = instance.Id;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var taken = await db.JobLeases
            .Where(l => l.Job == job && (l.LeasedUntil < now || l.Holder == me))
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Holder, me).SetProperty(l => l.LeasedUntil, until), cancellationToken);
        if (taken == 1)
        {
            return true;
        }

        if (await db.JobLeases.AnyAsync(l => l.Job == job, cancellationToken))
        {
            return false;
        }

        // The job's first run anywhere: of two instances inserting the row at once, the key lets one through.
        db.JobLeases.Add(new JobLease(job, me, until));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            return false;
        }
    }

    /// <summary>Gives the lease back (when this instance holds it), so that another instance may run the job at once.</summary>
    public async Task ReleaseAsync(string job, CancellationToken cancellationToken)
    {
        var me = instance.Id;
        var past = DateTime.SpecifyKind(DateTime.UnixEpoch, DateTimeKind.Utc);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.JobLeases.Where(l => l.Job == job && l.Holder == me)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.LeasedUntil, past), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> under the job's lease, renewing it every heartbeat while the work runs; false (and
    /// nothing run) when another instance holds it. The work is cancelled if the lease is lost (say, the database was
    /// unreachable for longer than a lease and another instance took over).
    /// </summary>
    public async Task<bool> RunAsync(string job, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        if (!await TryTakeAsync(job, cancellationToken))
        {
            return false;
        }

        using var held = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewAsync(job, held);
        try
        {
            await work(held.Token);
        }
        finally
        {
            await held.CancelAsync();
            await renewal;
            await ReleaseAsync(job, CancellationToken.None);
        }

        return true;
    }

    private async Task RenewAsync(string job, CancellationTokenSource held)
    {
        var every = TimeSpan.FromSeconds(options.Value.Instances.HeartbeatSeconds);
        try
        {
            while (true)
            {
                await Task.Delay(every, clock, held.Token);
                if (!await TryTakeAsync(job, held.Token))
                {
                    await held.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The work ended (or the lease was lost).
        }
        catch (Exception)
        {
            // The database cannot be reached to renew: better to stop than to run on beside an instance that took over.
            await held.CancelAsync();
        }
    }
}
