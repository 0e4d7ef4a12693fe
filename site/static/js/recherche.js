/* The search box: commune autocompletion (/api/communes, ARIA combobox with keyboard) and
 * « Autour de moi » (browser geolocation). Both enhance a plain GET form that works without them. */
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  var form = input && input.form;
  if (!input || !list || !form) { return; }
  var pres = document.getElementById("pres");
  var status = document.getElementById("geoloc-etat");
  var active = -1;
  var timer = null;
  var asked = "";

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(option) {
    input.value = option.dataset.value;
    close();
    usePosition(false);
    form.submit();
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    if (!options.length) { return; }
    active = (index + options.length) % options.length;
    options.forEach(function (option, i) { option.setAttribute("aria-selected", String(i === active)); });
    input.setAttribute("aria-activedescendant", options[active].id);
  }

  function render(communes) {
    list.textContent = "";
    communes.forEach(function (commune, i) {
      var postcode = commune.codes_postaux.length === 1 ? commune.codes_postaux[0] : commune.departement;
      var option = document.createElement("li");
      option.id = "q-suggestion-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.value = commune.nom + " (" + (commune.codes_postaux[0] || commune.departement) + ")";
      option.textContent = commune.nom + " (" + postcode + ")";
      option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(option); });
      list.appendChild(option);
    });
    list.hidden = communes.length === 0;
    input.setAttribute("aria-expanded", String(communes.length > 0));
    active = -1;
  }

  function suggest() {
    var text = input.value.trim();
    if (text.length < 2 || /\d{5}.*\D/.test(text) || text === asked) { if (text.length < 2) { close(); } return; }
    asked = text;
    fetch("/api/communes?limite=8&q=" + encodeURIComponent(text))
      .then(function (answer) { return answer.ok ? answer.json() : []; })
      .then(function (communes) { if (input.value.trim() === text) { render(communes); } })
      .catch(close);
  }

  input.addEventListener("input", function () {
    usePosition(false);
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(list.querySelectorAll("[role=option]")[active]);
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });

  function usePosition(on) {
    if (!pres) { return; }
    pres.disabled = !on;
    if (!on) { pres.value = ""; input.required = true; }
  }

  var button = document.getElementById("autour-de-moi");
  if (button && navigator.geolocation && pres) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Recherche de votre position…";
      navigator.geolocation.getCurrentPosition(function (position) {
        pres.value = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
        pres.disabled = false;
        input.required = false;
        input.value = "";
        status.textContent = "Position trouvée.";
        form.submit();
      }, function () {
        status.textContent = "Votre position n'est pas disponible : saisissez une commune ou un code postal.";
      }, { timeout: 10000, maximumAge: 300000 });
    });
  }
})();
