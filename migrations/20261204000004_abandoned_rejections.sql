-- A 2026 till gives up a refused sale (`ventes/notifier-rejet`): the refusal stays open for the
-- manager, marked as given up by the till, with why. An abandonment the server had no
-- refusal for is kept as one (code OTHER) so that nothing a till dropped goes unseen.
ALTER TABLE ventes_rejetees
    ADD COLUMN date_abandon  TIMESTAMPTZ,
    ADD COLUMN motif_abandon TEXT CHECK (length(motif_abandon) <= 500);
