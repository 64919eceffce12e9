/* The site menu on small screens: below 768 px it folds behind the "Meny" button.
 *
 * Loaded in <head> so the class below is set before the page is first drawn: the CSS folds
 * the menu only under `html.js-menu`, so without JavaScript the menu simply stays open.
 * The button is a real <button> (Enter and Space work); Escape closes the menu and puts
 * the focus back on the button. No inline script or handler: the CSP stays strict.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js-menu");

  function init() {
    var button = document.getElementById("menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) { return; }

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }

    setOpen(false);
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") { return; }
      if (window.getComputedStyle(button).display === "none") { return; }
      setOpen(false);
      button.focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
