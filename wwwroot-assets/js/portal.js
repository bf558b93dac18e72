// Small browser helpers the Blazor components call through JS interop.
window.portal = {
  // Set once a page's interactive circuit has rendered: browser tests wait for it before clicking.
  markInteractive() {
    document.body.dataset.interactive = "true";
  },

  getDarkMode() {
    const stored = localStorage.getItem("portal.darkMode");
    if (stored === "true") return true;
    if (stored === "false") return false;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  },

  setDarkMode(value) {
    localStorage.setItem("portal.darkMode", value ? "true" : "false");
  },

  async copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Clipboard API refused (no permission or not a secure context): fall back to a selection copy.
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  },

  // Sign-out is a form post with its antiforgery token; the user menu's item (not a button of that form) submits it.
  submitForm(id) {
    document.getElementById(id)?.requestSubmit();
  },

  // Saves text the circuit already holds as a file, without a URL the server could answer again (the clouds.yaml
  // with a credential's secret is shown once and never stored).
  downloadText(fileName, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type: type || "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    link.style.display = "none";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  },
};
