// Sends picked image files straight to the portal's upload endpoint with XMLHttpRequest — never through
// the Blazor circuit — and reports progress back to .NET a few times a second.
(() => {
  const picked = new Map();   // picker key → File
  const running = new Map();  // image id → XMLHttpRequest
  const progressEveryMs = 250;

  function warnBeforeLeaving(event) {
    event.preventDefault();
    event.returnValue = "An image upload is still running. Leaving this page stops it.";
    return event.returnValue;
  }

  function updateLeaveGuard() {
    if (running.size > 0) {
      window.addEventListener("beforeunload", warnBeforeLeaving);
    } else {
      window.removeEventListener("beforeunload", warnBeforeLeaving);
    }
  }

  function pick(key, file, dotNet) {
    if (!file) return;
    picked.set(key, file);
    dotNet.invokeMethodAsync("OnFilePicked", file.name, file.size);
  }

  window.portalUploads = {
    attachPicker(zone, input, key, dotNet) {
      zone.addEventListener("click", () => input.click());
      zone.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          input.click();
        }
      });
      zone.addEventListener("dragover", (e) => {
        e.preventDefault();
        zone.classList.add("portal-drop-active");
      });
      zone.addEventListener("dragleave", () => zone.classList.remove("portal-drop-active"));
      zone.addEventListener("drop", (e) => {
        e.preventDefault();
        zone.classList.remove("portal-drop-active");
        pick(key, e.dataTransfer?.files?.[0], dotNet);
      });
      input.addEventListener("change", () => {
        pick(key, input.files?.[0], dotNet);
        input.value = "";
      });
    },

    // The first bytes of the picked file, for inspecting its format before anything is uploaded.
    headOf(key, bytes) {
      const file = picked.get(key);
      return file ? file.slice(0, bytes) : new Blob([]);
    },

    forget(key) {
      picked.delete(key);
    },

    start(key, imageId, url, token, dotNet) {
      const file = picked.get(key);
      if (!file) return false;
      picked.delete(key);

      const xhr = new XMLHttpRequest();
      running.set(imageId, xhr);
      updateLeaveGuard();
      let lastReport = 0;

      const finish = (status, detail) => {
        if (!running.delete(imageId)) return;
        updateLeaveGuard();
        dotNet.invokeMethodAsync("OnUploadFinished", imageId, status, detail ?? "");
      };

      xhr.upload.onprogress = (e) => {
        const now = performance.now();
        if (now - lastReport >= progressEveryMs || e.loaded === e.total) {
          lastReport = now;
          dotNet.invokeMethodAsync("OnUploadProgress", imageId, e.loaded, e.total || file.size);
        }
      };
      xhr.onload = () => {
        let detail = "";
        try {
          // Errors come in the OpenStack shape: {"error": {"code": 413, "title": "…", "message": "…"}}.
          detail = JSON.parse(xhr.responseText || "{}").error?.message ?? "";
        } catch {
          detail = "";
        }
        finish(xhr.status, detail);
      };
      xhr.onerror = () => finish(0, "The connection to the portal was lost during the upload.");
      xhr.onabort = () => finish(-1, "The upload was aborted.");

      xhr.open("PUT", url);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-Upload-Token", token);
      xhr.send(file);
      return true;
    },

    abort(imageId) {
      running.get(imageId)?.abort();
    },
  };
})();
