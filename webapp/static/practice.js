/* Practice page: mounts the rasa-webchat widget and fills the scenario panel.
 *
 * Scenario text is written by coordinators: it is put into the page with
 * textContent only, never as HTML. No inline script (the page's CSP forbids it):
 * the Rasa port comes in the data-rasa-port attribute of #webchat.
 */
(function () {
  "use strict";

  var mount = document.getElementById("webchat");
  var note = document.getElementById("chat-note");
  var widget = null; // set by the widget through innerRef; exposes sendMessage(payload, shownText)
  var TOKEN_KEY = "trainer.chatToken";
  var OFFICER_KEY = "trainer.officer";

  function showNote(message, isError) {
    note.textContent = message;
    note.className = isError ? "chat-note error" : "chat-note";
    note.hidden = false;
  }

  function socketUrl() {
    // The Rasa server runs beside the web app: same host as this page, its own port.
    return window.location.protocol + "//" + window.location.hostname + ":" + mount.dataset.rasaPort;
  }

  function messageDelay(message) {
    // Shorter pauses than the widget's default (up to 3 s a message): the briefing is long.
    var delay = (message || "").length * 15;
    return Math.max(300, Math.min(delay, 1500));
  }

  function mountWidget() {
    if (!window.WebChat || typeof window.WebChat.default !== "function") {
      mount.textContent = "";
      mount.appendChild(el("p", "webchat-loading error",
        "对话组件没有加载（/static/webchat.js）。\n请在项目根目录运行 make run，然后刷新本页。"));
      return;
    }
    // rasa-webchat 1.0.1's bundle exposes only WebChat.default (mount the widget), no
    // WebChat.send: the widget hands us its sendMessage through the innerRef prop.
    window.WebChat.default(
      {
        socketUrl: socketUrl(),
        socketPath: "/socket.io/",
        initPayload: "你好",
        title: "廉政情景训练",
        inputTextFieldHint: "输入您的回应……",
        connectingText: "正在连接训练服务器……",
        embedded: true,
        showCloseButton: false,
        hideWhenNotConnected: false,
        withRules: false,
        params: { storage: "session" },
        // The chat token travels with every message: the Rasa channel takes the officer
        // (and so the conversation) from it, never from the widget's own session id.
        customData: { token: sessionStorage.getItem(TOKEN_KEY) },
        customMessageDelay: messageDelay,
        innerRef: function (ref) {
          widget = ref;
        }
      },
      mount
    );
  }

  function focusChat() {
    var input = mount.querySelector(".rw-new-message");
    if (window.matchMedia("(max-width: 760px)").matches) {
      mount.scrollIntoView({ behavior: "smooth", block: "start" });
    }
    if (input) {
      input.focus({ preventScroll: true });
    }
  }

  /* Send text as if the officer had typed it; false if the widget cannot take it yet. */
  function send(text) {
    if (widget && typeof widget.sendMessage === "function") {
      widget.sendMessage(text, text);
      note.hidden = true;
      focusChat();
      return true;
    }
    showNote("对话窗口还没准备好。请在对话框中输入“" + text + "”并按回车。", false);
    return false;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function scenarioButton(s) {
    var button = el("button", "scenario");
    button.type = "button";
    button.dataset.number = String(s.number);
    button.title = s.briefing;
    button.setAttribute("aria-label", "开始场景 " + s.number + "：" + s.title);
    button.appendChild(el("span", "number", String(s.number)));
    button.appendChild(el("span", "title", s.title));
    button.appendChild(el("span", "persona", "对方：" + s.persona.name + " · " + s.persona.relation));
    button.addEventListener("click", function () {
      send(String(s.number));
    });
    return button;
  }

  function renderScenarios(scenarios) {
    var list = document.getElementById("scenario-list");
    var status = document.getElementById("scenario-status");
    var groups = {};
    var order = [];
    scenarios.forEach(function (s) {
      if (!groups[s.kind_label]) {
        groups[s.kind_label] = [];
        order.push(s.kind_label);
      }
      groups[s.kind_label].push(s);
    });
    list.textContent = "";
    order.forEach(function (label) {
      var section = el("section", "scenario-group");
      section.appendChild(el("h3", null, label + "（" + groups[label].length + "）"));
      var ul = el("ul");
      groups[label].forEach(function (s) {
        var li = el("li");
        li.appendChild(scenarioButton(s));
        ul.appendChild(li);
      });
      section.appendChild(ul);
      list.appendChild(section);
    });
    status.textContent = "共 " + scenarios.length + " 个场景。点击开始，或在对话框输入编号。";
  }

  function loadScenarios() {
    var status = document.getElementById("scenario-status");
    fetch("/api/scenarios", { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            throw new Error(body && body.error ? body.error : "HTTP " + response.status);
          }
          return body;
        });
      })
      .then(renderScenarios)
      .catch(function (error) {
        status.textContent = "场景列表加载失败：" + error.message + "。也可以在对话框输入“场景列表”。";
      });
  }

  document.querySelectorAll("[data-send]").forEach(function (button) {
    button.addEventListener("click", function () {
      send(button.dataset.send);
    });
  });

  /* -- signing in ------------------------------------------------------------------ */
  function postSession(body) {
    return fetch("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (payload) {
        if (!response.ok) {
          throw new Error(payload && payload.error ? payload.error : "HTTP " + response.status);
        }
        return payload;
      });
    });
  }

  function signedIn(payload) {
    sessionStorage.setItem(TOKEN_KEY, payload.token);
    sessionStorage.setItem(OFFICER_KEY, JSON.stringify(payload.officer));
    startChat();
  }

  function startChat() {
    var officer = JSON.parse(sessionStorage.getItem(OFFICER_KEY) || "{}");
    document.getElementById("sign-in").hidden = true;
    document.getElementById("who").hidden = false;
    document.getElementById("who-name").textContent =
      "练习人：" + (officer.name || officer.id || "") + (officer.unit ? "（" + officer.unit + "）" : "");
    mount.hidden = false;
    mountWidget();
  }

  function showSignIn(message) {
    document.getElementById("sign-in").hidden = false;
    var error = document.getElementById("sign-in-error");
    error.hidden = !message;
    error.textContent = message || "";
  }

  document.getElementById("sign-in").addEventListener("submit", function (event) {
    event.preventDefault();
    postSession({
      officer_id: document.getElementById("officer-id").value,
      password: document.getElementById("password").value
    }).then(signedIn).catch(function (error) {
      showSignIn(error.message);
    });
  });

  document.getElementById("sign-out").addEventListener("click", function () {
    sessionStorage.clear(); // the token and the widget's copy of the conversation
    window.location.replace("/");
  });

  loadScenarios();
  var invite = new URLSearchParams(window.location.search).get("invite");
  if (invite) {
    window.history.replaceState(null, "", "/"); // the link is a credential: keep it out of the history
    sessionStorage.clear();
    postSession({ invite: invite }).then(signedIn).catch(function (error) {
      showSignIn(error.message);
    });
  } else if (sessionStorage.getItem(TOKEN_KEY)) {
    startChat();
  } else {
    showSignIn("");
  }
})();
