using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>The canary controller's webhook and alert side: the pure state machine asks for the hooks it needs
/// (<see cref="CanaryStep.Pending"/>), the controller calls them and asks again; once a step is committed its
/// events go to the <c>event</c> hooks and its alerts to the Canary's alert providers.</summary>
internal sealed partial class CanaryController
{
    // Each hook type is called at most once a step, so a step needs at most as many rounds as there are hooks.
    private async Task<CanaryStep> DecideAsync(CanaryResource canary, CanaryObservation observation, CancellationToken cancellationToken)
    {
        var results = new Dictionary<int, CanaryHookResult>();
        while (true)
        {
            var step = CanaryStateMachine.Next(canary, observation with { HookResults = results });
            if (step.Pending.Count == 0)
            {
                return step;
            }

            foreach (var call in step.Pending)
            {
                results[call.Index] = await hooks.CallAsync(canary, canary.Spec.Analysis.Webhooks[call.Index], call.Phase, cancellationToken);
            }
        }
    }

    private async Task AnnounceAsync(CanaryResource canary, CanaryStep step, CancellationToken cancellationToken)
    {
        foreach (var hook in canary.Spec.Analysis.Webhooks.Where(h => h.Type == CanaryHookTypes.Event))
        {
            foreach (var canaryEvent in step.NewEvents)
            {
                await hooks.SendEventAsync(canary, hook, step.Status.Phase, canaryEvent, cancellationToken);
            }
        }

        if (step.Alerts.Count > 0)
        {
            await alerter.SendAsync(store.Snapshot(), canary, step.Alerts, cancellationToken);
        }
    }
}
