namespace Sluice.Server.Security;

/// <summary>
/// What a caller may do, each role including the ones below it: a <see cref="Reader"/> lists, gets, reads chunks and
/// summaries and searches; a <see cref="Writer"/> also uploads and deletes, and sees and replays its own tenant's dead
/// letters; an <see cref="Admin"/> also sees and replays every tenant's dead letters, runs bulk replays and manages keys.
/// </summary>
public enum SluiceRole
{
    Reader = 1,
    Writer = 2,
    Admin = 3,
}
