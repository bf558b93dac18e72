using Microsoft.AspNetCore.Components.Authorization;

namespace Portal.Accounts;

/// <summary>The signed-in caller of the current circuit or request, as the domain needs it.</summary>
public sealed class CurrentCaller(AuthenticationStateProvider authenticationStateProvider)
{
    public async Task<Caller> GetAsync()
    {
        var state = await authenticationStateProvider.GetAuthenticationStateAsync();
        return Caller.FromPrincipal(state.User)
            ?? throw new InvalidOperationException("This page requires a signed-in user with an account.");
    }
}
