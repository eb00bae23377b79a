<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP">
<context>
    <name>kiosk</name>
    <message>
        <source>no receipt printer</source>
        <translation>控えのプリンターなし</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>使えます</translation>
    </message>
    <message>
        <source>cannot be reached</source>
        <translation>接続できません</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日付</translation>
    </message>
    <message>
        <source>Printed</source>
        <translation>印刷日時</translation>
    </message>
    <message>
        <source>Exchanges</source>
        <translation>交換件数</translation>
    </message>
    <message>
        <source>Experiment points used</source>
        <translation>使う実証実験ポイント</translation>
    </message>
    <message>
        <source>Fee (1/11)</source>
        <translation>手数料 (11分の1)</translation>
    </message>
    <message>
        <source>Breka points loaded</source>
        <translation>入金したブレカポイント</translation>
    </message>
    <message>
        <source>Corrections</source>
        <translation>訂正（取り消し）</translation>
    </message>
    <message>
        <source>Records not yet sent</source>
        <translation>未送信の記録</translation>
    </message>
    <message>
        <source>Records refused (parked)</source>
        <translation>拒否された記録（保留）</translation>
    </message>
    <message>
        <source>Receipt printer</source>
        <translation>控えのプリンター</translation>
    </message>
    <message>
        <source>Breka points you receive</source>
        <translation>受け取るブレカポイント</translation>
    </message>
    <message>
        <source>Your experiment points</source>
        <translation>あなたの実証実験ポイント</translation>
    </message>
    <message>
        <source>How many points do you exchange?</source>
        <translation>何ポイント交換しますか？</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Add reserved points</source>
        <translation>留保ポイントを加える</translation>
    </message>
    <message>
        <source>Points are no longer issued. Your points stay usable until their dates.</source>
        <translation>ポイントの発行は終わりました。今あるポイントは期限まで使えます。</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>やめる</translation>
    </message>
    <message>
        <source>MyKey ID set up: {id}</source>
        <translation>マイキーIDを作成しました：{id}</translation>
    </message>
    <message>
        <source>{n} points</source>
        <translation>{n} ポイント</translation>
    </message>
    <message>
        <source>Expires soon: {n} points, through {date}</source>
        <translation>まもなく期限：{n} ポイント（{date} まで）</translation>
    </message>
    <message>
        <source>{n} points: usable through {date}</source>
        <translation>{n} ポイント：{date} まで使えます</translation>
    </message>
    <message>
        <source>and {n} more</source>
        <translation>ほか {n} 件</translation>
    </message>
    <message>
        <source>Points that expire first are used first.</source>
        <translation>期限の近いポイントから使います。</translation>
    </message>
    <message>
        <source>Reserved points: {n}, usable through {date}</source>
        <translation>留保ポイント：{n}（{date} まで）</translation>
    </message>
    <message>
        <source>Fee: 1/11 of the points (fractions dropped)</source>
        <translation>手数料：ポイントの11分の1（端数切り捨て）</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>次へ</translation>
    </message>
    <message>
        <source>Fee {fee}  →  Breka points {loaded}</source>
        <translation>手数料 {fee}  →  ブレカポイント {loaded}</translation>
    </message>
    <message>
        <source>Call the staff to approve</source>
        <translation>係員を呼んで確認してもらう</translation>
    </message>
    <message>
        <source>Please check</source>
        <translation>内容をご確認ください</translation>
    </message>
    <message>
        <source>After you press Exchange, you will place your Breka card.</source>
        <translation>「交換する」を押したあと、ブレカカードを置きます。</translation>
    </message>
    <message>
        <source>Change the amount</source>
        <translation>ポイント数を変える</translation>
    </message>
    <message>
        <source>Exchange</source>
        <translation>交換する</translation>
    </message>
    <message>
        <source>Step {n} of 4</source>
        <translation>手順 {n} / 4</translation>
    </message>
    <message>
        <source>Place your My Number Card on the reader</source>
        <translation>マイナンバーカードを読み取り機に置いてください</translation>
    </message>
    <message>
        <source>Keep the card on the reader until the next screen appears.</source>
        <translation>次の画面が出るまで、カードを置いたままにしてください。</translation>
    </message>
    <message>
        <source>1 My Number Card  →  2 PIN  →  3 Amount  →  4 Breka card</source>
        <translation>1 マイナンバーカード  →  2 暗証番号  →  3 ポイント数  →  4 ブレカカード</translation>
    </message>
    <message>
        <source>Enter the 4-digit PIN of your My Number Card</source>
        <translation>暗証番号（数字4桁）を入力してください</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>決定</translation>
    </message>
    <message>
        <source>Last try. If this PIN is wrong, the card will be locked and you will need to go to the municipal office.</source>
        <translation>最後の1回です。まちがえるとカードがロックされ、市役所・区役所での手続きが必要になります。</translation>
    </message>
    <message>
        <source>Check this PIN</source>
        <translation>この暗証番号で確かめる</translation>
    </message>
    <message>
        <source>Tries left: {n}</source>
        <translation>残り {n} 回</translation>
    </message>
    <message>
        <source>This card&apos;s PIN is locked</source>
        <translation>このカードの暗証番号はロックされています</translation>
    </message>
    <message>
        <source>Please take your card and go to the municipal office to unlock the PIN. Your points are safe.</source>
        <translation>カードをお持ちになり、市役所・区役所でロックを解除してください。ポイントは減っていません。</translation>
    </message>
    <message>
        <source>Back to the start</source>
        <translation>最初にもどる</translation>
    </message>
    <message>
        <source>Reading the card…</source>
        <translation>カードを読んでいます…</translation>
    </message>
    <message>
        <source>Checking the PIN and your points…</source>
        <translation>暗証番号とポイントを確認しています…</translation>
    </message>
    <message>
        <source>Reserving your points…</source>
        <translation>ポイントを確保しています…</translation>
    </message>
    <message>
        <source>Adding your reserved points…</source>
        <translation>留保ポイントを加えています…</translation>
    </message>
    <message>
        <source>Setting up your MyKey ID…</source>
        <translation>マイキーIDを設定しています…</translation>
    </message>
    <message>
        <source>Loading Breka points onto the card…</source>
        <translation>ブレカカードにポイントを入れています…</translation>
    </message>
    <message>
        <source>Checking the amount…</source>
        <translation>ポイント数を確認しています…</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>中止しています…</translation>
    </message>
    <message>
        <source>Take your My Number Card off the reader</source>
        <translation>マイナンバーカードをリーダーから取ってください</translation>
    </message>
    <message>
        <source>Then place your Breka card on the reader and keep it there until the screen says Done.</source>
        <translation>次にブレカカードをリーダーに置き、「完了」と出るまでそのままにしてください。</translation>
    </message>
    <message>
        <source>{n} Breka points will be loaded</source>
        <translation>{n} ブレカポイントを入れます</translation>
    </message>
    <message>
        <source>Please wait. Do not move the card.</source>
        <translation>そのままお待ちください。カードを動かさないでください。</translation>
    </message>
    <message>
        <source>Do not move the card</source>
        <translation>カードを動かさないでください</translation>
    </message>
    <message>
        <source>The receipt printer cannot be reached. The figures above are your receipt.</source>
        <translation>控えのプリンターにつながりません。上の内容を控えとしてご覧ください。</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>Please take your Breka card. Thank you.</source>
        <translation>ブレカカードをお取りください。ありがとうございました。</translation>
    </message>
    <message>
        <source>Print a receipt</source>
        <translation>控えを印刷する</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>終わる</translation>
    </message>
    <message>
        <source>{n} Breka points were loaded</source>
        <translation>{n} ブレカポイントを入れました</translation>
    </message>
    <message>
        <source>Breka balance before</source>
        <translation>交換前のブレカ残高</translation>
    </message>
    <message>
        <source>Breka balance now</source>
        <translation>今のブレカ残高</translation>
    </message>
    <message>
        <source>Experiment points left</source>
        <translation>残りの実証実験ポイント</translation>
    </message>
    <message>
        <source>Next expiry</source>
        <translation>次の有効期限</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日時</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>控え番号</translation>
    </message>
    <message>
        <source>Reserved points added: {n}</source>
        <translation>加えた留保ポイント：{n}</translation>
    </message>
    <message>
        <source>The points are on your card. The record will be sent to the city later.</source>
        <translation>ポイントはカードに入っています。記録はあとで市に送られます。</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>うまくいきませんでした</translation>
    </message>
    <message>
        <source>No card found</source>
        <translation>カードが見つかりません</translation>
    </message>
    <message>
        <source>Place the card flat on the reader and keep it there.</source>
        <translation>カードを読み取り機に平らに置き、そのままにしてください。</translation>
    </message>
    <message>
        <source>The card was moved away</source>
        <translation>カードが離れました</translation>
    </message>
    <message>
        <source>Place the card on the reader again and keep it still.</source>
        <translation>もう一度カードを置き、動かさないでください。</translation>
    </message>
    <message>
        <source>The reader is busy</source>
        <translation>読み取り機が使用中です</translation>
    </message>
    <message>
        <source>Please ask the staff for help.</source>
        <translation>係員にお声がけください。</translation>
    </message>
    <message>
        <source>The card reader is not working</source>
        <translation>読み取り機が使えません</translation>
    </message>
    <message>
        <source>The Breka card cannot hold these points</source>
        <translation>このブレカカードにはこれ以上入りません</translation>
    </message>
    <message>
        <source>Nothing was taken. Please ask the staff.</source>
        <translation>ポイントは減っていません。係員にお声がけください。</translation>
    </message>
    <message>
        <source>The card could not be read</source>
        <translation>カードを読めませんでした</translation>
    </message>
    <message>
        <source>Place the card on the reader again.</source>
        <translation>もう一度カードを置いてください。</translation>
    </message>
    <message>
        <source>The PIN is not correct</source>
        <translation>暗証番号がちがいます</translation>
    </message>
    <message>
        <source>Enter the PIN again. Tries left: {tries_left}</source>
        <translation>もう一度入力してください。残り {tries_left} 回</translation>
    </message>
    <message>
        <source>Please go to the municipal office to unlock it.</source>
        <translation>市役所・区役所でロックを解除してください。</translation>
    </message>
    <message>
        <source>Last try</source>
        <translation>最後の1回です</translation>
    </message>
    <message>
        <source>If this PIN is wrong, the card will be locked.</source>
        <translation>まちがえるとカードがロックされます。</translation>
    </message>
    <message>
        <source>The PIN has 4 digits</source>
        <translation>暗証番号は数字4桁です</translation>
    </message>
    <message>
        <source>Enter the 4-digit PIN.</source>
        <translation>数字4桁を入力してください。</translation>
    </message>
    <message>
        <source>This card cannot be used here</source>
        <translation>このカードはここでは使えません</translation>
    </message>
    <message>
        <source>Use your My Number Card, then your Breka card.</source>
        <translation>マイナンバーカード、次にブレカカードの順に置いてください。</translation>
    </message>
    <message>
        <source>This is a Breka card</source>
        <translation>これはブレカカードです</translation>
    </message>
    <message>
        <source>Please place your My Number Card first.</source>
        <translation>先にマイナンバーカードを置いてください。</translation>
    </message>
    <message>
        <source>Your earlier exchange is now finished</source>
        <translation>前回の交換を完了しました</translation>
    </message>
    <message>
        <source>Finished exchanges: {count}. To exchange again, place your My Number Card.</source>
        <translation>完了した交換：{count} 件。続けて交換するときは、マイナンバーカードを置いてください。</translation>
    </message>
    <message>
        <source>This is the My Number Card</source>
        <translation>これはマイナンバーカードです</translation>
    </message>
    <message>
        <source>Now place your Breka card.</source>
        <translation>ブレカカードを置いてください。</translation>
    </message>
    <message>
        <source>The loading was interrupted</source>
        <translation>ポイントの書き込みが中断しました</translation>
    </message>
    <message>
        <source>Place the same Breka card again.</source>
        <translation>同じブレカカードをもう一度置いてください。</translation>
    </message>
    <message>
        <source>Please call the staff</source>
        <translation>係員をお呼びください</translation>
    </message>
    <message>
        <source>The staff&apos;s correction is now finished</source>
        <translation>係員による訂正が終わりました</translation>
    </message>
    <message>
        <source>The corrected exchange&apos;s points were taken back from this card. To exchange, place your My Number Card.</source>
        <translation>訂正した交換のポイントをこのカードから戻しました。交換する方はマイナンバーカードを置いてください。</translation>
    </message>
    <message>
        <source>A correction of an exchange on this card is not finished. The staff will help you.</source>
        <translation>このカードの交換の訂正が終わっていません。係員がご案内します。</translation>
    </message>
    <message>
        <source>An exchange waits for its Breka card (number {number}). Next person: place your My Number Card.</source>
        <translation>ブレカカードを待っている交換があります（番号 {number}）。次の方はマイナンバーカードを置いてください。</translation>
    </message>
    <message>
        <source>The exchange was stopped: no touch for a while</source>
        <translation>しばらく操作がなかったため、交換を取りやめました</translation>
    </message>
    <message>
        <source>Nothing was taken or loaded. To exchange, place your My Number Card.</source>
        <translation>ポイントは減っておらず、積み増しもされていません。交換するにはマイナンバーカードを置いてください。</translation>
    </message>
    <message>
        <source>The staff cancelled this exchange</source>
        <translation>係員がこの交換を取り消しました</translation>
    </message>
    <message>
        <source>No points were taken or loaded. To exchange, place your My Number Card.</source>
        <translation>ポイントは減っておらず、積み増しもされていません。交換するにはマイナンバーカードを置いてください。</translation>
    </message>
    <message>
        <source>Your exchange is finished</source>
        <translation>交換が完了しました</translation>
    </message>
    <message>
        <source>The points are on your Breka card. To exchange again, place your My Number Card.</source>
        <translation>ポイントはブレカカードに入っています。もう一度交換するにはマイナンバーカードを置いてください。</translation>
    </message>
    <message>
        <source>The point service did not answer</source>
        <translation>ポイントのサービスから返事がありません</translation>
    </message>
    <message>
        <source>Press Add them to try again, or Not now.</source>
        <translation>もう一度「加える」を押すか、「今はしない」を押してください。</translation>
    </message>
    <message>
        <source>Points are no longer issued</source>
        <translation>ポイントの発行は終わりました</translation>
    </message>
    <message>
        <source>Your points stay usable until their dates.</source>
        <translation>今あるポイントは期限まで使えます。</translation>
    </message>
    <message>
        <source>The reserved points could not be added</source>
        <translation>留保ポイントを加えられませんでした</translation>
    </message>
    <message>
        <source>Your other points can be exchanged. Please ask the staff.</source>
        <translation>ほかのポイントは交換できます。係員にお声がけください。</translation>
    </message>
    <message>
        <source>The point service cannot be reached</source>
        <translation>ポイントのサービスにつながりません</translation>
    </message>
    <message>
        <source>Nothing was taken. Please try again later.</source>
        <translation>ポイントは減っていません。しばらくしてからもう一度お試しください。</translation>
    </message>
    <message>
        <source>The point service gave a wrong answer</source>
        <translation>ポイントのサービスから正しくない応答がありました</translation>
    </message>
    <message>
        <source>Nothing was loaded. Please ask the staff.</source>
        <translation>ブレカカードには積み増していません。係員にお声がけください。</translation>
    </message>
    <message>
        <source>This kiosk is not accepted by the point service</source>
        <translation>この端末はポイントのサービスに登録されていません</translation>
    </message>
    <message>
        <source>Not enough points</source>
        <translation>ポイントが足りません</translation>
    </message>
    <message>
        <source>Choose a smaller amount.</source>
        <translation>少ないポイント数を選んでください。</translation>
    </message>
    <message>
        <source>Enter a number</source>
        <translation>数字を入力してください</translation>
    </message>
    <message>
        <source>Use the number keys.</source>
        <translation>数字のボタンを使ってください。</translation>
    </message>
    <message>
        <source>Enter at least 1 point</source>
        <translation>1ポイント以上を入力してください</translation>
    </message>
    <message>
        <source>More than your points</source>
        <translation>お持ちのポイントより多いです</translation>
    </message>
    <message>
        <source>More than the Breka card can hold</source>
        <translation>ブレカカードに入る上限をこえています</translation>
    </message>
    <message>
        <source>A large exchange needs the staff</source>
        <translation>大きな交換には係員の確認が必要です</translation>
    </message>
    <message>
        <source>Please call the staff to approve it.</source>
        <translation>係員を呼んで確認してもらってください。</translation>
    </message>
    <message>
        <source>It took too long</source>
        <translation>時間がかかりすぎました</translation>
    </message>
    <message>
        <source>Please start again.</source>
        <translation>最初からやり直してください。</translation>
    </message>
    <message>
        <source>The card could not be checked</source>
        <translation>カードを確認できませんでした</translation>
    </message>
    <message>
        <source>Please go to the municipal office.</source>
        <translation>市役所・区役所にご相談ください。</translation>
    </message>
    <message>
        <source>The card&apos;s certificate has expired</source>
        <translation>カードの電子証明書の有効期限が切れています</translation>
    </message>
    <message>
        <source>Please go to the municipal office to renew it.</source>
        <translation>市役所・区役所で更新してください。</translation>
    </message>
    <message>
        <source>The card&apos;s certificate is not valid</source>
        <translation>カードの電子証明書が無効です</translation>
    </message>
    <message>
        <source>No MyKey ID is set up for this card</source>
        <translation>このカードのマイキーIDが設定されていません</translation>
    </message>
    <message>
        <source>Please ask the staff to help you set it up.</source>
        <translation>設定のお手伝いをしますので、係員にお声がけください。</translation>
    </message>
    <message>
        <source>The MyKey ID could not be set up yet</source>
        <translation>マイキーIDをまだ設定できていません</translation>
    </message>
    <message>
        <source>The connection failed. Press &quot;Agree and create&quot; to try again.</source>
        <translation>通信できませんでした。「同意して作成」をもう一度押してください。</translation>
    </message>
    <message>
        <source>The card&apos;s proof is no longer valid</source>
        <translation>カードの確認の有効時間が過ぎました</translation>
    </message>
    <message>
        <source>Nothing was created. Please tap the card again.</source>
        <translation>何も作成されていません。もう一度カードをかざしてください。</translation>
    </message>
    <message>
        <source>No MyKey ID was created</source>
        <translation>マイキーIDは作成しませんでした</translation>
    </message>
    <message>
        <source>Nothing was sent. You can set it up at any visit.</source>
        <translation>何も送信していません。次回のご来店時にも設定できます。</translation>
    </message>
    <message>
        <source>This kiosk is not set up yet</source>
        <translation>この端末はまだ設定されていません</translation>
    </message>
    <message>
        <source>{y}-{m:02d}-{d:02d}</source>
        <translation>{y}年{m}月{d}日</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>全部消す</translation>
    </message>
    <message>
        <source>Claim to the city</source>
        <translation>市への請求</translation>
    </message>
    <message>
        <source>From</source>
        <translation>開始月</translation>
    </message>
    <message>
        <source>To</source>
        <translation>終了月</translation>
    </message>
    <message>
        <source>Make the claim (PDF and CSV)</source>
        <translation>請求書を作る（PDF と CSV）</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>開く</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>フォルダを開く</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>印刷</translation>
    </message>
    <message>
        <source>Claims issued</source>
        <translation>発行した請求</translation>
    </message>
    <message>
        <source>Mark sent</source>
        <translation>送付済みにする</translation>
    </message>
    <message>
        <source>Mark paid</source>
        <translation>入金済みにする</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>1字消す</translation>
    </message>
    <message>
        <source>issued</source>
        <translation>発行済み</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>送付済み</translation>
    </message>
    <message>
        <source>paid</source>
        <translation>入金済み</translation>
    </message>
    <message>
        <source>Claim {number}: {state}.</source>
        <translation>請求 {number}：{state}にしました。</translation>
    </message>
    <message>
        <source>{number}: {first} to {last}, {yen} yen, {state}</source>
        <translation>{number}：{first}〜{last}、{yen} 円、{state}</translation>
    </message>
    <message>
        <source>Back to the clerk screen</source>
        <translation>係員画面にもどる</translation>
    </message>
    <message>
        <source>(reissued)</source>
        <translation>（再発行）</translation>
    </message>
    <message>
        <source>(not yet reconciled)</source>
        <translation>（未照合）</translation>
    </message>
    <message>
        <source>Choose a claim first.</source>
        <translation>先に請求を選んでください。</translation>
    </message>
    <message>
        <source>Could not make the claim: {e}</source>
        <translation>請求書を作れませんでした：{e}</translation>
    </message>
    <message>
        <source>Claim {number}: {yen} yen. Saved in {folder}</source>
        <translation>請求 {number}：{yen} 円。保存先 {folder}</translation>
    </message>
    <message>
        <source>Reissued with the same number.</source>
        <translation>同じ番号で再発行しました。</translation>
    </message>
    <message>
        <source>Not yet reconciled: the cloud did not answer. Make it again before sending.</source>
        <translation>未照合：クラウドが応答しませんでした。送付の前にもう一度作ってください。</translation>
    </message>
    <message>
        <source>Some months differ from the cloud: check before sending.</source>
        <translation>クラウドと一致しない月があります。送付の前に確認してください。</translation>
    </message>
    <message>
        <source>Sent to the printer.</source>
        <translation>プリンタに送りました。</translation>
    </message>
    <message>
        <source>Could not print: {e}</source>
        <translation>印刷できませんでした：{e}</translation>
    </message>
    <message>
        <source>Reissued</source>
        <translation>再発行</translation>
    </message>
    <message>
        <source>Experiment points → Breka points</source>
        <translation>実証実験ポイント → ブレカポイント交換</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>係員</translation>
    </message>
    <message>
        <source>Clerk</source>
        <translation>係員</translation>
    </message>
    <message>
        <source>not sent yet</source>
        <translation>未送信</translation>
    </message>
    <message>
        <source>hold being asked</source>
        <translation>ポイント確保を依頼中</translation>
    </message>
    <message>
        <source>held, nothing loaded</source>
        <translation>確保済み・入金なし</translation>
    </message>
    <message>
        <source>waiting for its Breka card</source>
        <translation>ブレカカード待ち</translation>
    </message>
    <message>
        <source>not loaded, hold to release</source>
        <translation>入金なし・確保の解除待ち</translation>
    </message>
    <message>
        <source>loaded, commit to send</source>
        <translation>入金済み・確定の送信待ち</translation>
    </message>
    <message>
        <source>loaded, waiting for the cloud</source>
        <translation>入金済み・クラウドの確定待ち</translation>
    </message>
    <message>
        <source>cancel waiting for the cloud</source>
        <translation>取り消しのクラウド送信待ち</translation>
    </message>
    <message>
        <source>Unfinished exchanges</source>
        <translation>未完了の交換</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>理由（必須）</translation>
    </message>
    <message>
        <source>Cancel / settle with the card</source>
        <translation>取り消す／カードで確定</translation>
    </message>
    <message>
        <source>Send now</source>
        <translation>今すぐ送る</translation>
    </message>
    <message>
        <source>Today: corrections, reprints, closing slip…</source>
        <translation>本日：訂正・再発行・締め伝票…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>閉じる</translation>
    </message>
    <message>
        <source>Today: {n} exchanges, {p} points used, fee {f}, loaded {l}</source>
        <translation>本日：{n} 件、使用 {p} ポイント、手数料 {f}、入金 {l}</translation>
    </message>
    <message>
        <source>Records to send: {u} of {t}</source>
        <translation>未送信の記録：{u} / {t} 件</translation>
    </message>
    <message>
        <source>Refused by the cloud (parked): {n}; tell the technician</source>
        <translation>クラウドが拒否した記録（保留）：{n} 件。技術者に連絡してください</translation>
    </message>
    <message>
        <source>the card cannot tell: ask the Breka operator</source>
        <translation>カードでは確認できません: ブレカの運営者に確認</translation>
    </message>
    <message>
        <source>Sent: {c} finished, {f} still waiting for the cloud.</source>
        <translation>送信しました：完了 {c} 件、クラウド待ち {f} 件。</translation>
    </message>
    <message>
        <source>Could not send: {e}</source>
        <translation>送信できませんでした：{e}</translation>
    </message>
    <message>
        <source>The card&apos;s log no longer reaches back to this load: ask the Breka operator whether it was loaded, then record the answer with `kiosk exchanges settle-unprovable`. The points stay held until then.</source>
        <translation>カードの記録がこの書き込みまでさかのぼれません。入ったかどうかをブレカの運営者に確認し、その回答を `kiosk exchanges settle-unprovable` で記録してください。それまでポイントは確保したままです。</translation>
    </message>
    <message>
        <source>To settle a load its card cannot prove: ask the Breka operator whether it was loaded, then record the answer with the command `kiosk exchanges settle-unprovable` (see the clerk guide).</source>
        <translation>カードで確かめられない書き込みの片付け方: 入ったかどうかをブレカの運営者に確認し、その回答をコマンド `kiosk exchanges settle-unprovable` で記録します（係員ガイド参照）。</translation>
    </message>
    <message>
        <source>The correction of exchange {id} ({p} Breka points) waits for its card: close this screen and tap the citizen&apos;s Breka card on the start screen.</source>
        <translation>交換 {id} の訂正（{p} ブレカポイント）はカード待ちです。この画面を閉じ、最初の画面で市民のブレカカードをかざしてください。</translation>
    </message>
    <message>
        <source>Check: exchange {id} ({p} points) cannot be settled from its card</source>
        <translation>要確認：交換 {id}（{p} ポイント）はカードの記録で判断できません</translation>
    </message>
    <message>
        <source>Check: the correction of exchange {id} ({p} Breka points) cannot be settled from its card</source>
        <translation>要確認：交換 {id} の訂正（{p} ブレカポイント）はカードの記録で判断できません</translation>
    </message>
    <message>
        <source>Check: the cloud refused exchange {id} ({code}); {p} points are on the card</source>
        <translation>確認: クラウドが交換 {id} の確定を拒否しました ({code})。カードには {p} ポイントが入っています</translation>
    </message>
    <message>
        <source>Check: {p} points were loaded for cancelled exchange {id}</source>
        <translation>要確認：取り消した交換 {id} の {p} ポイントがカードに積み増されています</translation>
    </message>
    <message>
        <source>Choose an exchange and write the reason.</source>
        <translation>交換を選び、理由を書いてください。</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>処理中…</translation>
    </message>
    <message>
        <source>Put that exchange&apos;s Breka card on the reader first.</source>
        <translation>先にその交換のブレカカードをリーダーに置いてください。</translation>
    </message>
    <message>
        <source>The card had the points: the exchange is finished.</source>
        <translation>カードにポイントが入っていたため、交換を完了しました。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>取り消しました。</translation>
    </message>
    <message>
        <source>Could not cancel: {e}</source>
        <translation>取り消せませんでした：{e}</translation>
    </message>
    <message>
        <source>Card lost</source>
        <translation>カード紛失</translation>
    </message>
    <message>
        <source>Claim to the city…</source>
        <translation>市への請求…</translation>
    </message>
    <message>
        <source>{id}: {p} points, {state}, {m} min</source>
        <translation>{id}：{p} ポイント、{state}、{m} 分</translation>
    </message>
    <message>
        <source>(cloud: {e}; next try in {s} s)</source>
        <translation>（クラウド：{e}、{s} 秒後に再送）</translation>
    </message>
    <message>
        <source>Noted as lost. The exchange stays open until the card appears.</source>
        <translation>紛失として記録しました。カードが見つかるまで交換は未完了のままです。</translation>
    </message>
    <message>
        <source>Shared clerk PIN</source>
        <translation>係員共通の暗証番号</translation>
    </message>
    <message>
        <source>Shared technician PIN</source>
        <translation>技術者共通の暗証番号</translation>
    </message>
    <message>
        <source>Staff approval: {n} points</source>
        <translation>係員の確認：{n} ポイント</translation>
    </message>
    <message>
        <source>The clerk enters the clerk PIN here. Please call the clerk.</source>
        <translation>ここには係員が係員の暗証番号を入力します。係員をお呼びください。</translation>
    </message>
    <message>
        <source>Staff PIN</source>
        <translation>係員の暗証番号</translation>
    </message>
    <message>
        <source>Who are you? Choose your name, then enter your PIN.</source>
        <translation>お名前を選んでから、ご自分の暗証番号を入力してください。</translation>
    </message>
    <message>
        <source>Reason for the approval (required)</source>
        <translation>確認の理由（必須）</translation>
    </message>
    <message>
        <source>Choose your name first.</source>
        <translation>先にお名前を選んでください。</translation>
    </message>
    <message>
        <source>Write the reason for the approval.</source>
        <translation>確認の理由を書いてください。</translation>
    </message>
    <message>
        <source>Please wait {s} s, then enter the PIN again.</source>
        <translation>{s} 秒お待ちください。そのあと暗証番号をもう一度入力してください。</translation>
    </message>
    <message>
        <source>Wrong PIN. Please wait {s} s before the next try.</source>
        <translation>暗証番号がちがいます。次の入力まで {s} 秒お待ちください。</translation>
    </message>
    <message>
        <source>Wrong PIN. Each further wrong entry makes the next wait longer.</source>
        <translation>暗証番号がちがいます。まちがえるたびに、次に入力できるまでの待ち時間が長くなります。</translation>
    </message>
    <message>
        <source>Technician</source>
        <translation>技術者</translation>
    </message>
    <message>
        <source>No PIN is set for this mode. A technician sets it.</source>
        <translation>暗証番号が未設定です。技術者が設定します。</translation>
    </message>
    <message>
        <source>Read the card</source>
        <translation>カードを読む</translation>
    </message>
    <message>
        <source>Check the cloud</source>
        <translation>クラウド接続を確認</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>休止中です</translation>
    </message>
    <message>
        <source>This counter is not ready yet. Please ask the staff.</source>
        <translation>この窓口はまだ準備ができていません。係員にお声がけください。</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>もう一度確認</translation>
    </message>
    <message>
        <source>Key (hex or base64)</source>
        <translation>鍵（16進数または base64）</translation>
    </message>
    <message>
        <source>Save to keyring</source>
        <translation>キーリングに保存</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>確認しています…</translation>
    </message>
    <message>
        <source>Technician PIN</source>
        <translation>技術者の暗証番号</translation>
    </message>
    <message>
        <source>Wrong PIN, or no technician PIN set yet (kiosk staff-pin set technician).</source>
        <translation>暗証番号が違うか、技術者の暗証番号が未設定です（kiosk staff-pin set technician）。</translation>
    </message>
    <message>
        <source>New staff PIN (digits)</source>
        <translation>新しい係員用暗証番号（数字）</translation>
    </message>
    <message>
        <source>Set clerk PIN</source>
        <translation>係員の暗証番号を設定</translation>
    </message>
    <message>
        <source>Set technician PIN</source>
        <translation>技術者の暗証番号を設定</translation>
    </message>
    <message>
        <source>Quit the kiosk</source>
        <translation>端末を終了</translation>
    </message>
    <message>
        <source>{name}: card present (ATR {atr})</source>
        <translation>{name}：カードあり (ATR {atr})</translation>
    </message>
    <message>
        <source>{name}: empty</source>
        <translation>{name}：カードなし</translation>
    </message>
    <message>
        <source>No reader found. Is pcscd running?</source>
        <translation>読み取り機が見つかりません。pcscd は動いていますか？</translation>
    </message>
    <message>
        <source>A staff PIN has {min} to {max} digits.</source>
        <translation>係員・技術者の暗証番号は数字{min}〜{max}桁です。</translation>
    </message>
    <message>
        <source>Not saved: {e}</source>
        <translation>保存できませんでした：{e}</translation>
    </message>
    <message>
        <source>Saved {name} to the keyring.</source>
        <translation>{name} をキーリングに保存しました。</translation>
    </message>
    <message>
        <source>PIN set for: {role}</source>
        <translation>暗証番号を設定しました：{role}</translation>
    </message>
    <message>
        <source>Card: {e}</source>
        <translation>カード：{e}</translation>
    </message>
    <message>
        <source>Card: {kind}, ATR {atr}</source>
        <translation>カード：{kind}、ATR {atr}</translation>
    </message>
    <message>
        <source>Cloud: not reachable ({e})</source>
        <translation>クラウド：接続できません ({e})</translation>
    </message>
    <message>
        <source>Cloud: reachable, {ms} ms</source>
        <translation>クラウド：接続OK、{ms} ms</translation>
    </message>
    <message>
        <source>Are you still there?</source>
        <translation>まだお使いですか？</translation>
    </message>
    <message>
        <source>Without a touch, the screen goes back to the start.</source>
        <translation>画面に触れないと、最初の画面にもどります。</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>続ける</translation>
    </message>
    <message>
        <source>{s} seconds</source>
        <translation>あと {s} 秒</translation>
    </message>
    <message>
        <source>Add your reserved points?</source>
        <translation>留保ポイントを加えますか？</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>今はしない</translation>
    </message>
    <message>
        <source>Add them</source>
        <translation>加える</translation>
    </message>
    <message>
        <source>Reserved points (usable through {date}) become experiment points you can exchange now.</source>
        <translation>留保ポイント（{date} まで）を実証実験ポイントにして、今すぐ交換できます。</translation>
    </message>
    <message>
        <source>Today&apos;s exchanges</source>
        <translation>本日の交換</translation>
    </message>
    <message>
        <source>Correct (reverse)</source>
        <translation>訂正（取り消し）</translation>
    </message>
    <message>
        <source>Reprint receipt</source>
        <translation>控えを再発行</translation>
    </message>
    <message>
        <source>Closing slip</source>
        <translation>締め伝票</translation>
    </message>
    <message>
        <source>{t} {id}: {p} points, loaded {l}</source>
        <translation>{t} {id}：{p} ポイント、入金 {l}</translation>
    </message>
    <message>
        <source>(corrected)</source>
        <translation>（訂正済み）</translation>
    </message>
    <message>
        <source>Receipt printer: {s}</source>
        <translation>控えのプリンター：{s}</translation>
    </message>
    <message>
        <source>Choose an exchange of today first.</source>
        <translation>先に本日の交換を選んでください。</translation>
    </message>
    <message>
        <source>Write the reason for the correction.</source>
        <translation>訂正の理由を書いてください。</translation>
    </message>
    <message>
        <source>This exchange was corrected already.</source>
        <translation>この交換はすでに訂正されています。</translation>
    </message>
    <message>
        <source>Receipt reprinted (marked Reissued).</source>
        <translation>控えを再発行しました（「再発行」と印字）。</translation>
    </message>
    <message>
        <source>The receipt printer cannot be reached.</source>
        <translation>控えのプリンターにつながりません。</translation>
    </message>
    <message>
        <source>Could not export: {e}</source>
        <translation>出力できませんでした：{e}</translation>
    </message>
    <message>
        <source>Saved: {path}</source>
        <translation>保存しました：{path}</translation>
    </message>
    <message>
        <source>Printed.</source>
        <translation>印刷しました。</translation>
    </message>
    <message>
        <source>Only a finished exchange can be corrected.</source>
        <translation>訂正できるのは完了した交換だけです。</translation>
    </message>
    <message>
        <source>Only an exchange of today can be corrected.</source>
        <translation>訂正できるのは本日の交換だけです。</translation>
    </message>
    <message>
        <source>This My Number Card is not the one of the exchange.</source>
        <translation>このマイナンバーカードは、この交換をした方のものではありません。</translation>
    </message>
    <message>
        <source>This is not the Breka card of the exchange.</source>
        <translation>このブレカカードは、この交換で入金したカードではありません。</translation>
    </message>
    <message>
        <source>The Breka card no longer holds the loaded points (spent): it cannot be corrected here.</source>
        <translation>ブレカカードに入金したポイントが残っていません（使用済み）。ここでは訂正できません。</translation>
    </message>
    <message>
        <source>The card&apos;s log no longer reaches back to the interrupted correction: ask the Breka operator whether the points were taken back. Nothing more is taken from the card until then.</source>
        <translation>カードの記録が中断した訂正までさかのぼれません。ポイントが戻されたかどうかをブレカの運営者に確認してください。それまでカードからは何も引きません。</translation>
    </message>
    <message>
        <source>Correction of exchange {id}: {p} points, {l} Breka points loaded</source>
        <translation>交換 {id} の訂正：{p} ポイント、入金 {l} ブレカポイント</translation>
    </message>
    <message>
        <source>Correction</source>
        <translation>訂正</translation>
    </message>
    <message>
        <source>1. The citizen puts their My Number Card on the reader and enters the card&apos;s 4-digit PIN.</source>
        <translation>1. 市民の方がマイナンバーカードを読み取り機に置き、暗証番号（数字4桁）を入力します。</translation>
    </message>
    <message>
        <source>2. Put the Breka card of the exchange on the reader, then press Take back.</source>
        <translation>2. この交換のブレカカードを読み取り機に置き、「ブレカポイントを戻す」を押します。</translation>
    </message>
    <message>
        <source>Take back the Breka points</source>
        <translation>ブレカポイントを戻す</translation>
    </message>
    <message>
        <source>Wrong PIN. {n} tries left.</source>
        <translation>暗証番号がちがいます。残り {n} 回。</translation>
    </message>
    <message>
        <source>The card left too early. Put the same Breka card back and press Take back again.</source>
        <translation>カードが早く離れました。同じブレカカードを置いて、もう一度「ブレカポイントを戻す」を押してください。</translation>
    </message>
    <message>
        <source>The card gave the points back. The point service is told automatically later.</source>
        <translation>カードからポイントを戻しました。ポイントのサービスへはあとで自動で送ります。</translation>
    </message>
    <message>
        <source>Could not read the card: {e}</source>
        <translation>カードを読めませんでした：{e}</translation>
    </message>
    <message>
        <source>Corrected: {l} Breka points taken back, {p} points returned.</source>
        <translation>訂正しました：ブレカポイント {l} を戻し、{p} ポイントを返しました。</translation>
    </message>
    <message>
        <source>Set up a MyKey ID?</source>
        <translation>マイキーIDを作成しますか？</translation>
    </message>
    <message>
        <source>A MyKey ID is your ID on the national MyKey Platform. Points from the city and from partners are kept under it.</source>
        <translation>マイキーIDは、国のマイキープラットフォームで使うあなたのIDです。市や提携先のポイントは、このIDにたまります。</translation>
    </message>
    <message>
        <source>With your consent a MyKey ID is created now from your card&apos;s certificate. No new PIN is needed and your card number is not used.</source>
        <translation>同意すると、カードの利用者証明用電子証明書からマイキーIDを今ここで作成します。暗証番号の再入力は不要で、マイナンバー（個人番号）は使いません。</translation>
    </message>
    <message>
        <source>Agree and create</source>
        <translation>同意して作成</translation>
    </message>
    <message>
        <source>There are no points to exchange yet</source>
        <translation>交換できるポイントはまだありません</translation>
    </message>
    <message>
        <source>Scan the code for the MyKey Platform&apos;s guide.</source>
        <translation>コードを読み取ると、マイキープラットフォームの案内が開きます。</translation>
    </message>
    <message>
        <source>Print the guide</source>
        <translation>案内を印刷</translation>
    </message>
    <message>
        <source>Partner points (for example shop points) become reserved points when you move them to the MyKey Platform on the partner&apos;s website. Then come back here: they can be added at the counter.</source>
        <translation>提携先のポイント（お店のポイントなど）は、提携先のウェブサイトでマイキープラットフォームへ移すと留保ポイントになります。そのあとでまたお越しください。この窓口で加えられます。</translation>
    </message>
</context>
</TS>
