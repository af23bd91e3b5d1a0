// The course website: a copy button on every code cell (works from file:// too).
(function () {
  "use strict";
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");  // fallback for older browsers
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    document.body.removeChild(area);
    return Promise.resolve();
  }
  // Code cells, and code blocks in markdown (solutions); the button sits beside the <pre>.
  document.querySelectorAll(".jp-InputArea-editor, .jp-RenderedMarkdown div.highlight").forEach(function (block) {
    var code = block.querySelector("pre");
    if (!code) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy this code");
    button.addEventListener("click", function () {
      copyText(code.innerText.replace(/\n$/, "")).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      });
    });
    block.classList.add("has-copy-button");
    block.appendChild(button);
  });
})();
