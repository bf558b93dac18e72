namespace Portal.Images.Transfer;

public enum TransferRefusal
{
    /// <summary>Larger than the configured maximum or than the account's quota allows.</summary>
    TooLarge,

    /// <summary>The data is not what was declared, or is unsafe to run.</summary>
    BadData,

    /// <summary>The image store has no room left above its free-space reserve.</summary>
    StoreFull,
}

/// <summary>The portal refused the data; the message says why, for the customer.</summary>
public sealed class ImageTransferRefusedException(string message, TransferRefusal kind)
    : Rules.RefusedException(kind switch
    {
        TransferRefusal.TooLarge => Rules.RefusalCode.TooLarge,
        TransferRefusal.StoreFull => Rules.RefusalCode.StoreFull,
        _ => Rules.RefusalCode.BadData,
    }, message)
{
    public TransferRefusal Kind { get; } = kind;
}

/// <summary>The source stopped delivering: a client went away, a connection broke, nothing arrived for too long.</summary>
public sealed class TransferInterruptedException(string message, Exception? inner = null) : Exception(message, inner);
