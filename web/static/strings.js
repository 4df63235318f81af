// strings.js: every label, state and error the widget and the console show,
// in Traditional Chinese, Simplified Chinese and English. These are only the
// pages' chrome; what the bot says comes from the server in the user's own
// language. Kept in one file so a translator edits one place.
(function () {
  'use strict';

  var strings = {
    'en': {
      // widget
      title: 'Support',
      connecting: 'Connecting…',
      reconnecting: 'Reconnecting…',
      offline: 'You are offline. We will reconnect when you are back.',
      notConnected: 'Not connected yet: your message was not sent. Please try again in a moment.',
      inputLabel: 'Your message',
      placeholder: 'Type your message…',
      send: 'Send',
      attach: 'Attach a screenshot',
      dropHere: 'Drop the screenshot here',
      previewTitle: 'Screenshot to send',
      sendImage: 'Send screenshot',
      cancel: 'Cancel',
      badType: 'Only PNG, JPEG or WebP images can be sent.',
      tooBig: 'The image is larger than 5 MB.',
      tooLong: 'The message is longer than 4,000 characters.',
      readFailed: 'The file could not be read.',
      frameTooBig: 'That was too large to send.',
      errorPrefix: 'Not accepted: ',
      rateLimited: 'You are sending messages too quickly. Please wait a moment and send it again.',
      serverFailed: 'Something went wrong on our side. Please send it again.',
      sessionLost: 'We could not find your earlier conversation, so a new one has started.',
      you: 'You',
      bot: 'Assistant',
      agent: 'Support agent',
      system: 'Notice',
      screenshot: 'Screenshot: {name}',
      quickReplies: 'Suggested replies',
      ticketTitle: 'Your ticket',
      ticketId: 'Ticket',
      ticketStatus: 'Status',
      ticketQueue: 'Team',
      ticketNote: 'Ticket {id}: {status}',
      status_open: 'Waiting for an agent',
      status_claimed: 'An agent is working on it',
      status_resolved: 'Resolved',
      // console
      consoleTitle: 'Agent console',
      signInTitle: 'Sign in',
      tokenLabel: 'Agent token',
      signIn: 'Sign in',
      signOut: 'Sign out',
      signedInAs: 'Signed in as {name}',
      badToken: 'That token was not accepted.',
      sessionEnded: 'Your session ended; please sign in again.',
      queueTitle: 'Queue',
      filterStatus: 'Status',
      filterQueue: 'Queue',
      filterPriority: 'Priority',
      all: 'All',
      active: 'Open and claimed',
      open: 'Open',
      claimed: 'Claimed',
      resolved: 'Resolved',
      urgent: 'Urgent',
      high: 'High',
      normal: 'Normal',
      low: 'Low',
      noTickets: 'No tickets match.',
      chooseTicket: 'Choose a ticket from the queue.',
      loadFailed: 'Could not load: {msg}',
      timedOut: 'the server did not answer in time',
      notImage: 'not an image',
      dueIn: 'due in {d}',
      overdue: 'overdue {d}',
      claim: 'Claim',
      release: 'Release',
      claimedByYou: 'You hold this ticket.',
      heldBy: 'Held by {name}.',
      replyLabel: 'Reply to the user',
      replySend: 'Send reply',
      noteLabel: 'Resolution note',
      resolve: 'Resolve',
      done: 'Done.',
      details: 'Details',
      transcript: 'Transcript',
      attachments: 'Attachments',
      noAttachments: 'None',
      d_user: 'User',
      d_channel: 'Channel',
      d_lang: 'Language',
      d_intent: 'Problem',
      d_queue: 'Queue',
      d_assignee: 'Assignee',
      d_created: 'Created',
      d_time: 'When',
      d_amount: 'Amount',
      d_txn: 'Transaction',
      d_error: 'Error seen',
      d_summary: 'Summary',
      d_note: 'Resolution note',
      from_user: 'User',
      from_bot: 'Bot',
      from_agent: 'Agent',
      signInHint: 'Paste the token you were given. It is kept only in this tab and forgotten when the tab closes.',
      searchLabel: 'Search tickets',
      searchPlaceholder: 'Ticket, transaction, user or words',
      searchResults: '{n} found',
      noMatches: 'Nothing found.',
      notifyUrgent: 'Alert me to new urgent tickets',
      urgentTitle: 'Urgent ticket {id}',
      liveOn: 'Live',
      liveReconnecting: 'Reconnecting…',
      unread: 'New message',
      justNow: 'just now',
      wholeDay: '{date} (day)',
      dateTime: '{date}, {time}',
      notes: 'Notes',
      notesHint: 'Notes are for colleagues only; the user never sees them.',
      noNotes: 'No notes yet.',
      noteAddLabel: 'Write a note for colleagues',
      noteAdd: 'Add note',
      cannedLabel: 'Saved replies',
      cannedPick: 'Saved replies…',
      history: 'Other tickets from this user',
      noHistory: 'None',
      transferTitle: 'Transfer',
      transferQueue: 'To a queue',
      transferPickQueue: 'Choose a queue',
      transferAgent: 'or to a colleague',
      ticketMoved: 'That ticket is now in a queue you do not work.',
      transfer: 'Transfer',
      resolveTitle: 'Resolve'
    },
    'zh-Hant': {
      title: '客戶服務',
      connecting: '連線中…',
      reconnecting: '重新連線中…',
      offline: '你目前離線，恢復網絡後會自動重新連線。',
      notConnected: '尚未連線，訊息未送出，請稍後再試。',
      inputLabel: '你的訊息',
      placeholder: '輸入訊息…',
      send: '傳送',
      attach: '附上截圖',
      dropHere: '將截圖拖放到這裡',
      previewTitle: '準備傳送的截圖',
      sendImage: '傳送截圖',
      cancel: '取消',
      badType: '只可傳送 PNG、JPEG 或 WebP 圖片。',
      tooBig: '圖片超過 5 MB。',
      tooLong: '訊息超過 4,000 字。',
      readFailed: '無法讀取這個檔案。',
      frameTooBig: '內容太大，無法傳送。',
      errorPrefix: '未能接受：',
      rateLimited: '你傳送得太快，請稍等一會再傳送。',
      serverFailed: '系統出現問題，請再傳送一次。',
      sessionLost: '找不到你之前的對話，已開始新的對話。',
      you: '你',
      bot: '智能助理',
      agent: '客服專員',
      system: '通知',
      screenshot: '截圖：{name}',
      quickReplies: '建議回覆',
      ticketTitle: '你的個案',
      ticketId: '個案編號',
      ticketStatus: '狀態',
      ticketQueue: '負責團隊',
      ticketNote: '個案 {id}：{status}',
      status_open: '等待客服專員處理',
      status_claimed: '客服專員正在處理',
      status_resolved: '已解決',
      consoleTitle: '客服控制台',
      signInTitle: '登入',
      tokenLabel: '客服權杖',
      signIn: '登入',
      signOut: '登出',
      signedInAs: '已登入：{name}',
      badToken: '權杖無效。',
      sessionEnded: '登入已失效，請重新登入。',
      queueTitle: '待處理個案',
      filterStatus: '狀態',
      filterQueue: '隊列',
      filterPriority: '優先級',
      all: '全部',
      active: '待處理及處理中',
      open: '待處理',
      claimed: '處理中',
      resolved: '已解決',
      urgent: '緊急',
      high: '高',
      normal: '一般',
      low: '低',
      noTickets: '沒有符合的個案。',
      chooseTicket: '請從左邊選擇個案。',
      loadFailed: '載入失敗：{msg}',
      timedOut: '伺服器未能及時回應',
      notImage: '不是圖片',
      dueIn: '尚餘 {d}',
      overdue: '已逾期 {d}',
      claim: '認領',
      release: '交回',
      claimedByYou: '你正在處理這個個案。',
      heldBy: '由 {name} 處理中。',
      replyLabel: '回覆用戶',
      replySend: '傳送回覆',
      noteLabel: '解決備註',
      resolve: '標記為已解決',
      done: '完成。',
      details: '資料',
      transcript: '對話紀錄',
      attachments: '附件',
      noAttachments: '沒有',
      d_user: '用戶',
      d_channel: '渠道',
      d_lang: '語言',
      d_intent: '問題',
      d_queue: '隊列',
      d_assignee: '負責人',
      d_created: '建立時間',
      d_time: '發生時間',
      d_amount: '金額',
      d_txn: '交易編號',
      d_error: '錯誤訊息',
      d_summary: '摘要',
      d_note: '解決備註',
      from_user: '用戶',
      from_bot: '機械人',
      from_agent: '客服',
      signInHint: '貼上發給你的權杖。它只保存在這個分頁，關閉分頁後即會忘記。',
      searchLabel: '搜尋個案',
      searchPlaceholder: '個案、交易編號、用戶或字詞',
      searchResults: '找到 {n} 個',
      noMatches: '找不到相符的個案。',
      notifyUrgent: '有新的緊急個案時提示我',
      urgentTitle: '緊急個案 {id}',
      liveOn: '即時更新中',
      liveReconnecting: '重新連線中…',
      unread: '新訊息',
      justNow: '剛剛',
      wholeDay: '{date}（全日）',
      dateTime: '{date} {time}',
      notes: '內部備註',
      notesHint: '備註只供同事查看，用戶不會看到。',
      noNotes: '暫時沒有備註。',
      noteAddLabel: '寫一則給同事的備註',
      noteAdd: '加入備註',
      cannedLabel: '常用回覆',
      cannedPick: '常用回覆…',
      history: '此用戶的其他個案',
      noHistory: '沒有',
      transferTitle: '轉交',
      transferQueue: '轉交到隊列',
      transferPickQueue: '選擇隊列',
      transferAgent: '或轉交給同事',
      ticketMoved: '這個個案已轉到你不負責的隊列。',
      transfer: '轉交',
      resolveTitle: '解決'
    },
    'zh-Hans': {
      title: '客户服务',
      connecting: '连接中…',
      reconnecting: '重新连接中…',
      offline: '你目前处于离线状态，网络恢复后会自动重新连接。',
      notConnected: '尚未连接，消息未发送，请稍后再试。',
      inputLabel: '你的消息',
      placeholder: '输入消息…',
      send: '发送',
      attach: '附上截图',
      dropHere: '将截图拖放到这里',
      previewTitle: '准备发送的截图',
      sendImage: '发送截图',
      cancel: '取消',
      badType: '只能发送 PNG、JPEG 或 WebP 图片。',
      tooBig: '图片超过 5 MB。',
      tooLong: '消息超过 4,000 字。',
      readFailed: '无法读取这个文件。',
      frameTooBig: '内容太大，无法发送。',
      errorPrefix: '未能接受：',
      rateLimited: '你发送得太快了，请稍等片刻再发送。',
      serverFailed: '系统出现问题，请再发送一次。',
      sessionLost: '找不到你之前的对话，已开始新的对话。',
      you: '你',
      bot: '智能助理',
      agent: '客服专员',
      system: '通知',
      screenshot: '截图：{name}',
      quickReplies: '建议回复',
      ticketTitle: '你的工单',
      ticketId: '工单编号',
      ticketStatus: '状态',
      ticketQueue: '负责团队',
      ticketNote: '工单 {id}：{status}',
      status_open: '等待客服专员处理',
      status_claimed: '客服专员正在处理',
      status_resolved: '已解决',
      consoleTitle: '客服控制台',
      signInTitle: '登录',
      tokenLabel: '客服令牌',
      signIn: '登录',
      signOut: '退出',
      signedInAs: '已登录：{name}',
      badToken: '令牌无效。',
      sessionEnded: '登录已失效，请重新登录。',
      queueTitle: '待处理工单',
      filterStatus: '状态',
      filterQueue: '队列',
      filterPriority: '优先级',
      all: '全部',
      active: '待处理及处理中',
      open: '待处理',
      claimed: '处理中',
      resolved: '已解决',
      urgent: '紧急',
      high: '高',
      normal: '一般',
      low: '低',
      noTickets: '没有符合的工单。',
      chooseTicket: '请从左边选择工单。',
      loadFailed: '加载失败：{msg}',
      timedOut: '服务器未能及时响应',
      notImage: '不是图片',
      dueIn: '剩余 {d}',
      overdue: '已逾期 {d}',
      claim: '认领',
      release: '交回',
      claimedByYou: '你正在处理这个工单。',
      heldBy: '由 {name} 处理中。',
      replyLabel: '回复用户',
      replySend: '发送回复',
      noteLabel: '解决备注',
      resolve: '标记为已解决',
      done: '完成。',
      details: '资料',
      transcript: '对话记录',
      attachments: '附件',
      noAttachments: '没有',
      d_user: '用户',
      d_channel: '渠道',
      d_lang: '语言',
      d_intent: '问题',
      d_queue: '队列',
      d_assignee: '负责人',
      d_created: '创建时间',
      d_time: '发生时间',
      d_amount: '金额',
      d_txn: '交易编号',
      d_error: '错误信息',
      d_summary: '摘要',
      d_note: '解决备注',
      from_user: '用户',
      from_bot: '机器人',
      from_agent: '客服',
      signInHint: '粘贴发给你的令牌。它只保存在这个标签页，关闭标签页后即会清除。',
      searchLabel: '搜索工单',
      searchPlaceholder: '工单、交易编号、用户或关键词',
      searchResults: '找到 {n} 个',
      noMatches: '没有找到相符的工单。',
      notifyUrgent: '有新的紧急工单时提醒我',
      urgentTitle: '紧急工单 {id}',
      liveOn: '实时更新中',
      liveReconnecting: '正在重新连接…',
      unread: '新消息',
      justNow: '刚刚',
      wholeDay: '{date}（全天）',
      dateTime: '{date} {time}',
      notes: '内部备注',
      notesHint: '备注仅供同事查看，用户不会看到。',
      noNotes: '暂无备注。',
      noteAddLabel: '写一条给同事的备注',
      noteAdd: '添加备注',
      cannedLabel: '常用回复',
      cannedPick: '常用回复…',
      history: '该用户的其他工单',
      noHistory: '无',
      transferTitle: '转交',
      transferQueue: '转交到队列',
      transferPickQueue: '选择队列',
      transferAgent: '或转交给同事',
      ticketMoved: '这个工单已转到你不负责的队列。',
      transfer: '转交',
      resolveTitle: '解决'
    }
  };

  // norm reads a language tag as one of ours by the server's rules
  // (intents.ParseLang), so ?lang= takes what chat -lang and -agent-lang
  // take: our names zh-Hant, zh-Hans, en, or zh-HK, zh-TW, zh-MO and yue
  // (Traditional), other Chinese regions such as zh-CN (Simplified), en-GB.
  // A script subtag wins over a region; a bare "zh" is zh-Hant because our
  // users are mostly in Hong Kong. '' for anything else.
  function norm(tag) {
    var parts = String(tag || '').trim().toLowerCase().split(/[-_]/).filter(Boolean);
    if (!parts.length) { return ''; }
    if (parts[0] === 'en') { return 'en'; }
    if (parts[0] === 'yue') { return 'zh-Hant'; }
    if (parts[0] !== 'zh') { return ''; }
    var rest = parts.slice(1), i;
    for (i = 0; i < rest.length; i++) {
      if (rest[i] === 'hant') { return 'zh-Hant'; }
      if (rest[i] === 'hans') { return 'zh-Hans'; }
    }
    if (!rest.length) { return 'zh-Hant'; }
    for (i = 0; i < rest.length; i++) {
      if (/^(hk|tw|mo|yue)$/.test(rest[i])) { return 'zh-Hant'; }
    }
    return 'zh-Hans';
  }

  // pick maps ?lang= (support links, tests), else the browser's first
  // language we have, to one of ours; English when none is.
  function pick() {
    var forced = norm(new URLSearchParams(location.search).get('lang'));
    if (forced && strings[forced]) {
      return forced;
    }
    var list = (navigator.languages && navigator.languages.length) ? navigator.languages : [navigator.language || 'en'];
    for (var i = 0; i < list.length; i++) {
      var l = norm(list[i]);
      if (l && strings[l]) {
        return l;
      }
    }
    return 'en';
  }

  var lang = pick();
  var table = strings[lang];

  // t returns the string for key with {name} placeholders filled from vars.
  function t(key, vars) {
    var s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : strings.en[key];
    if (s === undefined) {
      s = key;
    }
    return s.replace(/\{(\w+)\}/g, function (m, name) {
      return vars && vars[name] !== undefined ? String(vars[name]) : m;
    });
  }

  // apply fills elements marked data-t (text), data-t-aria (aria-label),
  // data-t-placeholder and data-t-title under root.
  function apply(root) {
    document.documentElement.lang = lang;
    var marks = [['data-t', null], ['data-t-aria', 'aria-label'], ['data-t-placeholder', 'placeholder'], ['data-t-title', 'title']];
    marks.forEach(function (m) {
      root.querySelectorAll('[' + m[0] + ']').forEach(function (el) {
        var v = t(el.getAttribute(m[0]));
        if (m[1]) {
          el.setAttribute(m[1], v);
        } else {
          el.textContent = v;
        }
      });
    });
  }

  window.Triagebot = { lang: lang, t: t, apply: apply };
})();
